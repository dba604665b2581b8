// The whole-step engine as a JS class (step_binding.cc).
#pragma once
#include <napi.h>

#include <memory>

namespace medft::step {

class StepGraph;

class WholeStep : public Napi::ObjectWrap<WholeStep> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit WholeStep(const Napi::CallbackInfo& info);

 private:
  StepGraph& graph(const Napi::Env& env);
  int weightArg(const Napi::CallbackInfo& info, size_t i);
  char whichArg(const Napi::CallbackInfo& info, size_t i);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value StepCount(const Napi::CallbackInfo& info);
  Napi::Value SetStepCount(const Napi::CallbackInfo& info);
  Napi::Value SetTraining(const Napi::CallbackInfo& info);
  Napi::Value ResetOptimizer(const Napi::CallbackInfo& info);
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value Norms(const Napi::CallbackInfo& info);
  Napi::Value SetProfiling(const Napi::CallbackInfo& info);
  Napi::Value TakeTimes(const Napi::CallbackInfo& info);
  Napi::Value Describe(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::unique_ptr<StepGraph> graph_;
};

}  // namespace medft::step
