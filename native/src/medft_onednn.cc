// medft's optional native kernels: oneDNN (Debian libdnnl-dev 2.6) convolutions over tensors that live in the
// TF.js wasm backend's heap. Zero-copy: JS passes the heap's ArrayBuffer and byte offsets; inputs are read and
// outputs written in place. Activations are NHWC, weights HWIO (TF.js layouts).
//
// Safety: every call re-checks that the buffer is not detached (memory.grow() detaches the old one) and that every
// tensor range lies inside byteLength, and that the geometry is self-consistent, before oneDNN touches memory.
// Primitives are cached per (pass, geometry, activation, bias, OpenMP thread count): oneDNN's jit primitives fix
// their thread count when they are created.
#include <napi.h>
#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>
#else
#include <dnnl.hpp>
#endif
#include <omp.h>

#include "optimizer_update.h"

#include <cstdint>
#include <list>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

engine& eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(eng());
  return s;
}

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
  memory::dims strides() const { return {sH, sW}; }
  memory::dims dilates() const { return {dH - 1, dW - 1}; }
  memory::dims padL() const { return {pT, pL}; }
  memory::dims padR() const { return {pB, pR}; }
};

Geom readGeom(const Napi::Value& v) {
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

int threads() { return omp_get_max_threads(); }

// ---- weight reorders cached by weight-tensor identity (a key JS gives each TF.js dataId; tensors are immutable) ----
struct WeightCache {
  size_t budget = size_t(256) << 20;
  size_t used = 0;
  std::list<std::string> order;  // most recent first
  struct Entry { memory mem; size_t bytes; std::list<std::string>::iterator pos; };
  std::unordered_map<std::string, Entry> map;
  uint64_t hits = 0, misses = 0;
  memory* find(const std::string& k) {
    auto it = map.find(k);
    if (it == map.end()) return nullptr;
    order.splice(order.begin(), order, it->second.pos);
    hits++;
    return &it->second.mem;
  }
  memory* put(const std::string& k, memory m) {
    size_t bytes = m.get_desc().get_size();
    if (bytes > budget) return nullptr;
    while (used + bytes > budget && !order.empty()) drop(order.back());
    order.push_front(k);
    used += bytes;
    return &map.emplace(k, Entry{m, bytes, order.begin()}).first->second.mem;
  }
  void drop(const std::string& k) {
    auto it = map.find(k);
    if (it == map.end()) return;
    used -= it->second.bytes;
    order.erase(it->second.pos);
    map.erase(it);
  }
  void clear() { map.clear(); order.clear(); used = 0; }
} wcache;

// Returns weights in `want` format: the user's HWIO memory itself when it already matches, else a reorder
// (cached under `wkey` when wkey > 0, i.e. JS vouches that the tensor identified by wkey is immutable).
memory weightsAs(const memory::desc& want, void* userPtr, const Geom& g, double wkey, const char* pass) {
  memory user(g.userW(), eng(), userPtr);
  if (want == g.userW()) return user;
  std::string k;
  if (wkey > 0) {
    std::ostringstream s;
    s << static_cast<uint64_t>(wkey) << '|' << pass << '|' << g.key() << '|' << threads();
    k = s.str();
    if (memory* m = wcache.find(k)) return *m;
    wcache.misses++;
  }
  memory out(want, eng());
  reorder(user, out).execute(strm(), user, out);
  if (wkey > 0) wcache.put(k, out);
  return out;
}

// ---- primitive caches ----
struct Fwd { convolution_forward::primitive_desc pd; convolution_forward prim; };
struct BwdData { convolution_backward_data::primitive_desc pd; convolution_backward_data prim; };
struct BwdWeights {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  bool needReorder;
  memory blocked;  // the primitive's preferred diff-weights layout, reordered into HWIO after each call
};
std::unordered_map<std::string, std::shared_ptr<Fwd>> fwdCache;
std::unordered_map<std::string, std::shared_ptr<BwdData>> bdCache;
std::unordered_map<std::string, std::shared_ptr<BwdWeights>> bwCache;

convolution_forward::primitive_desc forwardPd(const Geom& g, bool bias, int act, prop_kind pk) {
  primitive_attr attr;
  if (act != 0) {
    post_ops po;
    if (act == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  if (bias) {
    memory::desc b({g.OC}, dt::f32, tag::x);
    convolution_forward::desc d(pk, algorithm::convolution_direct, g.src(), g.anyW(), b, g.dst(), g.strides(),
                                g.dilates(), g.padL(), g.padR());
    return {d, attr, eng()};
  }
  convolution_forward::desc d(pk, algorithm::convolution_direct, g.src(), g.anyW(), g.dst(), g.strides(), g.dilates(),
                              g.padL(), g.padR());
  return {d, attr, eng()};
}

std::string cacheKey(const Geom& g, int extra) {
  std::ostringstream s;
  s << g.key() << '|' << extra << '|' << threads();
  return s.str();
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("medft_onednn: ") + e.what());
  }
}

// convForward(heap, xOff, wOff, biasOff (-1: none), yOff, geom, act (0 linear, 1 relu, 2 relu6), wKey)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 8) throw Napi::TypeError::New(info.Env(), "convForward: 8 arguments");
    Geom g = readGeom(info[5]);
    int act = info[6].As<Napi::Number>().Int32Value();
    if (act < 0 || act > 2) throw Napi::RangeError::New(info.Env(), "convForward: activation must be 0, 1 or 2");
    bool bias = info[3].As<Napi::Number>().DoubleValue() >= 0;
    Heap h(info[0]);
    void* x = h.at(info[1], g.xBytes(), "x");
    void* w = h.at(info[2], g.wBytes(), "filter");
    void* b = bias ? h.at(info[3], size_t(g.OC) * 4, "bias") : nullptr;
    void* y = h.at(info[4], g.yBytes(), "y");
    std::string k = cacheKey(g, act * 2 + (bias ? 1 : 0));
    auto it = fwdCache.find(k);
    if (it == fwdCache.end()) {
      auto pd = forwardPd(g, bias, act, prop_kind::forward_inference);
      it = fwdCache.emplace(k, std::make_shared<Fwd>(Fwd{pd, convolution_forward(pd)})).first;
    }
    Fwd& f = *it->second;
    memory wm = weightsAs(f.pd.weights_desc(), w, g, info[7].As<Napi::Number>().DoubleValue(), "fwd");
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(g.src(), eng(), x)},
                                         {DNNL_ARG_WEIGHTS, wm},
                                         {DNNL_ARG_DST, memory(g.dst(), eng(), y)}};
    if (bias) args.emplace(DNNL_ARG_BIAS, memory({{g.OC}, dt::f32, tag::x}, eng(), b));
    f.prim.execute(strm(), args);
    strm().wait();
    return info.Env().Undefined();
  });
}

// convBackwardData(heap, dyOff, wOff, dxOff, geom, wKey)
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 6) throw Napi::TypeError::New(info.Env(), "convBackwardData: 6 arguments");
    Geom g = readGeom(info[4]);
    Heap h(info[0]);
    void* dy = h.at(info[1], g.yBytes(), "dy");
    void* w = h.at(info[2], g.wBytes(), "filter");
    void* dx = h.at(info[3], g.xBytes(), "dx");
    std::string k = cacheKey(g, 0);
    auto it = bdCache.find(k);
    if (it == bdCache.end()) {
      auto hint = forwardPd(g, false, 0, prop_kind::forward_training);
      convolution_backward_data::desc d(algorithm::convolution_direct, g.src(), g.anyW(), g.dst(), g.strides(),
                                        g.dilates(), g.padL(), g.padR());
      convolution_backward_data::primitive_desc pd(d, eng(), hint);
      it = bdCache.emplace(k, std::make_shared<BwdData>(BwdData{pd, convolution_backward_data(pd)})).first;
    }
    BwdData& f = *it->second;
    memory wm = weightsAs(f.pd.weights_desc(), w, g, info[5].As<Napi::Number>().DoubleValue(), "bwd-data");
    f.prim.execute(strm(), {{DNNL_ARG_DIFF_DST, memory(g.dst(), eng(), dy)},
                            {DNNL_ARG_WEIGHTS, wm},
                            {DNNL_ARG_DIFF_SRC, memory(g.src(), eng(), dx)}});
    strm().wait();
    return info.Env().Undefined();
  });
}

// convBackwardWeights(heap, xOff, dyOff, dwOff, geom)
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 5) throw Napi::TypeError::New(info.Env(), "convBackwardWeights: 5 arguments");
    Geom g = readGeom(info[4]);
    Heap h(info[0]);
    void* x = h.at(info[1], g.xBytes(), "x");
    void* dy = h.at(info[2], g.yBytes(), "dy");
    void* dw = h.at(info[3], g.wBytes(), "dw");
    std::string k = cacheKey(g, 0);
    auto it = bwCache.find(k);
    if (it == bwCache.end()) {
      auto hint = forwardPd(g, false, 0, prop_kind::forward_training);
      convolution_backward_weights::desc d(algorithm::convolution_direct, g.src(), g.anyW(), g.dst(), g.strides(),
                                           g.dilates(), g.padL(), g.padR());
      convolution_backward_weights::primitive_desc pd(d, eng(), hint);
      bool needReorder = !(pd.diff_weights_desc() == g.userW());
      memory blocked = needReorder ? memory(pd.diff_weights_desc(), eng()) : memory();
      it = bwCache.emplace(k, std::make_shared<BwdWeights>(
                                  BwdWeights{pd, convolution_backward_weights(pd), needReorder, blocked})).first;
    }
    BwdWeights& f = *it->second;
    memory user(g.userW(), eng(), dw);
    f.prim.execute(strm(), {{DNNL_ARG_SRC, memory(g.src(), eng(), x)},
                            {DNNL_ARG_DIFF_DST, memory(g.dst(), eng(), dy)},
                            {DNNL_ARG_DIFF_WEIGHTS, f.needReorder ? f.blocked : user}});
    if (f.needReorder) reorder(f.blocked, user).execute(strm(), f.blocked, user);
    strm().wait();
    return info.Env().Undefined();
  });
}

// Implementation names oneDNN picked for a geometry: {fwd, bwdData, bwdWeights}.
Napi::Value Impl(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Geom g = readGeom(info[0]);
    auto fwd = forwardPd(g, false, 0, prop_kind::forward_training);
    convolution_backward_data::primitive_desc bd(
        convolution_backward_data::desc(algorithm::convolution_direct, g.src(), g.anyW(), g.dst(), g.strides(),
                                        g.dilates(), g.padL(), g.padR()),
        eng(), fwd);
    convolution_backward_weights::primitive_desc bw(
        convolution_backward_weights::desc(algorithm::convolution_direct, g.src(), g.anyW(), g.dst(), g.strides(),
                                           g.dilates(), g.padL(), g.padR()),
        eng(), fwd);
    auto o = Napi::Object::New(info.Env());
    o.Set("forward", std::string(fwd.impl_info_str()));
    o.Set("backwardData", std::string(bd.impl_info_str()));
    o.Set("backwardWeights", std::string(bw.impl_info_str()));
    return o;
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setThreads: need at least 1 thread");
  omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), threads());
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), threads()); }

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << v->major << '.' << v->minor << '.' << v->patch;
  return Napi::String::New(info.Env(), s.str());
}

Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("primitives", double(fwdCache.size() + bdCache.size() + bwCache.size()));
  o.Set("weightBytes", double(wcache.used));
  o.Set("weightEntries", double(wcache.map.size()));
  o.Set("weightHits", double(wcache.hits));
  o.Set("weightMisses", double(wcache.misses));
  return o;
}

Napi::Value SetWeightCacheBytes(const Napi::CallbackInfo& info) {
  double b = info[0].As<Napi::Number>().DoubleValue();
  if (!(b >= 0)) throw Napi::RangeError::New(info.Env(), "setWeightCacheBytes: need a byte count >= 0");
  wcache.budget = static_cast<size_t>(b);
  while (wcache.used > wcache.budget && !wcache.order.empty()) wcache.drop(wcache.order.back());
  return info.Env().Undefined();
}

Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  fwdCache.clear();
  bdCache.clear();
  bwCache.clear();
  wcache.clear();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
  exports.Set("impl", Napi::Function::New(env, Impl));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("cacheStats", Napi::Function::New(env, CacheStats));
  exports.Set("setWeightCacheBytes", Napi::Function::New(env, SetWeightCacheBytes));
  exports.Set("clearCaches", Napi::Function::New(env, ClearCaches));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate));
  return exports;
}

}  // namespace

NODE_API_MODULE(medft_onednn, Init)
