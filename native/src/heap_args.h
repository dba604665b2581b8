// The arguments every heap kernel takes: a convolution or pooling geometry (17 integers from JS), a bounds-checked
// view of the wasm heap's ArrayBuffer (zero-copy: tensors are byte offsets into it), counts and per-channel vectors.
#pragma once
#include <napi.h>
#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>
#else
#include <dnnl.hpp>
#endif

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>

namespace medft {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// N,H,W,C, OH,OW,OC, KH,KW, sH,sW, dH,dW, padTop,padLeft,padBottom,padRight
struct Geom {
  int64_t N, H, W, C, OH, OW, OC, KH, KW, sH, sW, dH, dW, pT, pL, pB, pR;
  std::string key() const {
    std::ostringstream s;
    s << N << ',' << H << ',' << W << ',' << C << ',' << OH << ',' << OW << ',' << OC << ',' << KH << ',' << KW << ','
      << sH << ',' << sW << ',' << dH << ',' << dW << ',' << pT << ',' << pL << ',' << pB << ',' << pR;
    return s.str();
  }
  size_t xBytes() const { return size_t(N * H * W * C) * 4; }
  size_t yBytes() const { return size_t(N * OH * OW * OC) * 4; }
  size_t wBytes() const { return size_t(KH * KW * C * OC) * 4; }
  memory::desc act(int64_t c, int64_t h, int64_t w) const { return {{N, c, h, w}, dt::f32, tag::nhwc}; }
  memory::desc src() const { return act(C, H, W); }
  memory::desc dst() const { return act(OC, OH, OW); }
  memory::desc userW() const { return {{OC, C, KH, KW}, dt::f32, tag::hwio}; }
  memory::desc anyW() const { return {{OC, C, KH, KW}, dt::f32, tag::any}; }
  memory::desc anySrc() const { return {{N, C, H, W}, dt::f32, tag::any}; }
  memory::desc anyDst() const { return {{N, OC, OH, OW}, dt::f32, tag::any}; }
  memory::dims strides() const { return {sH, sW}; }
  memory::dims dilates() const { return {dH - 1, dW - 1}; }
  memory::dims padL() const { return {pT, pL}; }
  memory::dims padR() const { return {pB, pR}; }
};

inline Geom readGeom(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "geometry must be an array of 17 integers");
  auto a = v.As<Napi::Array>();
  if (a.Length() != 17) throw Napi::TypeError::New(v.Env(), "geometry must be an array of 17 integers");
  int64_t g[17];
  for (uint32_t i = 0; i < 17; i++) {
    Napi::Value e = a[i];
    if (!e.IsNumber()) throw Napi::TypeError::New(v.Env(), "geometry must be an array of 17 integers");
    g[i] = e.As<Napi::Number>().Int64Value();
  }
  Geom r{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
  bool ok = r.N > 0 && r.H > 0 && r.W > 0 && r.C > 0 && r.OH > 0 && r.OW > 0 && r.OC > 0 && r.KH > 0 && r.KW > 0 &&
            r.sH > 0 && r.sW > 0 && r.dH > 0 && r.dW > 0 && r.pT >= 0 && r.pL >= 0 && r.pB >= 0 && r.pR >= 0;
  // The output size must follow from the rest, else oneDNN would read or write outside the tensors.
  ok = ok && r.OH == (r.H + r.pT + r.pB - ((r.KH - 1) * r.dH + 1)) / r.sH + 1 &&
       r.OW == (r.W + r.pL + r.pR - ((r.KW - 1) * r.dW + 1)) / r.sW + 1;
  if (!ok) throw Napi::RangeError::New(v.Env(), "inconsistent convolution geometry " + r.key());
  return r;
}

// The heap buffer and a bounds-checked pointer into it.
struct Heap {
  uint8_t* base;
  size_t length;
  Heap(const Napi::Value& v) {
    if (!v.IsArrayBuffer()) throw Napi::TypeError::New(v.Env(), "expected the wasm heap's ArrayBuffer");
    auto ab = v.As<Napi::ArrayBuffer>();
    base = static_cast<uint8_t*>(ab.Data());
    length = ab.ByteLength();
    if (base == nullptr || length == 0)
      throw Napi::Error::New(v.Env(), "the heap ArrayBuffer is detached (wasm memory grew): re-read memory.buffer");
  }
  void* at(const Napi::Value& off, size_t bytes, const char* what) const {
    if (!off.IsNumber()) throw Napi::TypeError::New(off.Env(), std::string(what) + ": byte offset must be a number");
    double d = off.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != static_cast<double>(static_cast<uint64_t>(d)) || static_cast<uint64_t>(d) % 4 != 0)
      throw Napi::RangeError::New(off.Env(), std::string(what) + ": bad byte offset");
    uint64_t o = static_cast<uint64_t>(d);
    if (o > length || bytes > length - o)
      throw Napi::RangeError::New(off.Env(), std::string(what) + ": tensor range outside the heap");
    return base + o;
  }
};

// Argument i as a positive integer (a count: rows, channels, elements).
inline long positiveInt(const Napi::CallbackInfo& info, size_t i, const std::string& name) {
  const double d = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : 0;
  if (!(d >= 1 && d == static_cast<long>(d))) throw Napi::RangeError::New(info.Env(), name + " must be a positive integer");
  return static_cast<long>(d);
}

// Argument i as a typed array of `length` T (float: Float32Array, double: Float64Array).
template <class T>
T* typedArray(const Napi::CallbackInfo& info, size_t i, size_t length, const std::string& name) {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
  const napi_typedarray_type type = std::is_same<T, float>::value ? napi_float32_array : napi_float64_array;
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type ||
      v.As<Napi::TypedArrayOf<T>>().ElementLength() != length)
    throw Napi::TypeError::New(info.Env(), name + " must be a " + (sizeof(T) == 4 ? "Float32Array" : "Float64Array") +
                                               " of C elements");
  return v.As<Napi::TypedArrayOf<T>>().Data();
}

}  // namespace medft
