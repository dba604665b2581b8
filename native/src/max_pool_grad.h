// MaxPoolGrad on the wasm heap (native/src/max_pool_grad.cc), exported next to the convolutions.
#pragma once
#include <napi.h>

Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info);
