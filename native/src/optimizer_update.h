// Optimizer updates (native/src/optimizer_update.cc), exported next to the convolutions.
#pragma once
#include <napi.h>

Napi::Value AdamUpdate(const Napi::CallbackInfo& info);
Napi::Value SgdUpdate(const Napi::CallbackInfo& info);

namespace medft {
// The loops themselves, over [begin, end), for the whole-step engine (native/src/step/) to run on buffers it owns.
struct AdamK {
  double beta1, beta2, a, b, s, ic2, eps, decay;  // a = 1 - beta1, b = 1 - beta2
};
void adamRange(const AdamK& k, float* out, const float* w, const float* g, float* m, float* v, long begin, long end);
void sgdRange(double momentum, double lr, float* out, const float* w, const float* g, float* m, long begin, long end);
}  // namespace medft
