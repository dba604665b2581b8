// Adam/AdamW and SGD-momentum updates over Float32Arrays (views of the wasm heap for weights, gradients and the
// result; plain arrays for the moments), split over OpenMP threads. The arithmetic is exactly that of the JS loop
// in src/engine/optimizer-update.ts — doubles, same order, no FMA contraction — so both paths give the same bits.
#include "optimizer_update.h"

#include <omp.h>

#include <cmath>
#include <cstddef>
#include <string>

namespace {

struct F32 {
  float* data;
  size_t length;
};

F32 floats(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string("optimizer update: ") + name + " must be a Float32Array");
  }
  auto a = info[i].As<Napi::Float32Array>();
  return {a.Data(), a.ElementLength()};
}

double num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

void sameLength(const Napi::CallbackInfo& info, std::initializer_list<F32> arrays) {
  for (const F32& a : arrays) {
    if (a.length != arrays.begin()->length) throw Napi::RangeError::New(info.Env(), "optimizer update: arrays differ in length");
  }
}

}  // namespace

// adamUpdate(out, w, g, m, v, beta1, beta2, stepScale = lr/(1-beta1^t), invC2 = 1/(1-beta2^t), epsilon, decay = lr*wd)
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  F32 out = floats(info, 0, "out"), w = floats(info, 1, "w"), g = floats(info, 2, "g"), m = floats(info, 3, "m"), v = floats(info, 4, "v");
  sameLength(info, {out, w, g, m, v});
  const double beta1 = num(info, 5), beta2 = num(info, 6), s = num(info, 7), ic2 = num(info, 8), eps = num(info, 9), decay = num(info, 10);
  const double a = 1 - beta1, b = 1 - beta2;
  const long n = static_cast<long>(out.length);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; i++) {
    const double gi = g.data[i];
    const double mi = beta1 * m.data[i] + a * gi;
    const double vi = beta2 * v.data[i] + b * gi * gi;
    m.data[i] = static_cast<float>(mi);
    v.data[i] = static_cast<float>(vi);
    const double wi = w.data[i];
    out.data[i] = static_cast<float>(wi - s * mi / (std::sqrt(vi * ic2) + eps) - decay * wi);
  }
  return info.Env().Undefined();
}

// sgdUpdate(out, w, g, m, momentum, lr): buf = momentum·buf + g; w −= lr·buf (PyTorch's convention)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  F32 out = floats(info, 0, "out"), w = floats(info, 1, "w"), g = floats(info, 2, "g"), m = floats(info, 3, "m");
  sameLength(info, {out, w, g, m});
  const double momentum = num(info, 4), lr = num(info, 5);
  const long n = static_cast<long>(out.length);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; i++) {
    const double bi = momentum * m.data[i] + static_cast<double>(g.data[i]);
    m.data[i] = static_cast<float>(bi);
    out.data[i] = static_cast<float>(w.data[i] - lr * bi);
  }
  return info.Env().Undefined();
}
