// Optimizer updates (native/src/optimizer_update.cc), exported next to the convolutions.
#pragma once
#include <napi.h>

Napi::Value AdamUpdate(const Napi::CallbackInfo& info);
Napi::Value SgdUpdate(const Napi::CallbackInfo& info);
