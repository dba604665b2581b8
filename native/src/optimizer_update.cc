// Adam/AdamW and SGD-momentum updates over Float32Arrays (views of the wasm heap for weights, gradients and the
// result; plain arrays for the moments), split over OpenMP threads. The arithmetic is exactly that of the JS loop
// in src/engine/optimizer-update.ts — doubles, same order, no FMA contraction — so both paths give the same bits.
// The loops are compiled once per instruction set (target_clones, picked when the addon loads): with AVX-512 the
// float64 divide and square root run 8 lanes wide, which makes Adam bound by memory instead (measured on ResNet-50's
// 23.5 M weights: 50 → ~25 ms). IEEE divide and square root round the same in every lane width, so the bits do
// not change; -fno-math-errno (binding.gyp) lets sqrt vectorize, and Adam's argument is never negative.
#include "optimizer_update.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "cpu_loops.h"

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

}  // namespace

namespace medft {

MEDFT_CLONES void adamRange(const AdamK& k, float* __restrict out, const float* __restrict w, const float* __restrict g,
                            float* __restrict m, float* __restrict v, long begin, long end) {
  for (long i = begin; i < end; i++) {
    const double gi = g[i];
    const double mi = k.beta1 * m[i] + k.a * gi;
    const double vi = k.beta2 * v[i] + k.b * gi * gi;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    const double wi = w[i];
    out[i] = static_cast<float>(wi - k.s * mi / (std::sqrt(vi * k.ic2) + k.eps) - k.decay * wi);
  }
}

MEDFT_CLONES void sgdRange(double momentum, double lr, float* __restrict out, const float* __restrict w,
                           const float* __restrict g, float* __restrict m, long begin, long end) {
  for (long i = begin; i < end; i++) {
    const double bi = momentum * m[i] + static_cast<double>(g[i]);
    m[i] = static_cast<float>(bi);
    out[i] = static_cast<float>(w[i] - lr * bi);
  }
}

}  // namespace medft

namespace {
using medft::AdamK;
using medft::adamRange;
using medft::sgdRange;

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
  const AdamK k{beta1, beta2, 1 - beta1, 1 - beta2, s, ic2, eps, decay};
  medft::parallelRanges(static_cast<long>(out.length), 1, 64,
                 [&](long begin, long end) { adamRange(k, out.data, w.data, g.data, m.data, v.data, begin, end); });
  return info.Env().Undefined();
}

// sgdUpdate(out, w, g, m, momentum, lr): buf = momentum·buf + g; w −= lr·buf (PyTorch's convention)
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  F32 out = floats(info, 0, "out"), w = floats(info, 1, "w"), g = floats(info, 2, "g"), m = floats(info, 3, "m");
  sameLength(info, {out, w, g, m});
  const double momentum = num(info, 4), lr = num(info, 5);
  medft::parallelRanges(static_cast<long>(out.length), 1, 64,
                 [&](long begin, long end) { sgdRange(momentum, lr, out.data, w.data, g.data, m.data, begin, end); });
  return info.Env().Undefined();
}
