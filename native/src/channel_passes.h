// Element-wise passes over [rows, C] float32 blocks of the wasm heap with per-channel vectors
// (native/src/channel_passes.cc): BatchNorm's forward and input gradient, ReLU's gradient.
#pragma once
#include <napi.h>

Napi::Value ChannelAffine(const Napi::CallbackInfo& info);
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info);
Napi::Value ReluGrad(const Napi::CallbackInfo& info);
