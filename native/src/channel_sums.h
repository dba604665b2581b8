// Per-channel Σa and Σa·b over [rows, C] float32 blocks in the wasm heap (native/src/channel_sums.cc).
#pragma once
#include <napi.h>

Napi::Value ChannelSums(const Napi::CallbackInfo& info);
