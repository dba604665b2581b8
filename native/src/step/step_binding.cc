// JS's handle on the whole-step engine: `new WholeStep(graph, optimizer, options)` with the graph of
// src/engine/whole-step/graph-spec.ts. Every array is checked for type and length before the engine reads it; an
// engine error (oneDNN declining a layer, a bad graph) becomes a JS Error with the layer named.
#include "step_binding.h"

#include <omp.h>

#include <stdexcept>

#include "step_graph.h"

namespace medft::step {
namespace {

int intOf(const Napi::Object& o, const char* k, int fallback = -1) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}
double numOf(const Napi::Object& o, const char* k, double fallback) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
std::vector<int> intsOf(const Napi::Value& v) {
  std::vector<int> out;
  if (!v.IsArray()) return out;
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  return out;
}
int weightIndex(const Napi::Object& weights, const char* k) {
  Napi::Value v = weights.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : -1;
}

NodeDesc nodeOf(const Napi::Object& o) {
  NodeDesc d;
  d.op = o.Get("op").As<Napi::String>().Utf8Value();
  d.layer = o.Get("layer").As<Napi::String>().Utf8Value();
  d.inputs = intsOf(o.Get("inputs"));
  auto shape = intsOf(o.Get("outShape"));
  if (shape.size() != 3) throw std::runtime_error("graph: node " + d.layer + " has no [H, W, C] outShape");
  d.H = shape[0], d.W = shape[1], d.C = shape[2];
  auto pair = [&](const char* k, int& a, int& b) {
    auto v = intsOf(o.Get(k));
    if (v.size() == 2) a = v[0], b = v[1];
  };
  pair("kernel", d.kh, d.kw);
  pair("strides", d.sh, d.sw);
  auto pads = intsOf(o.Get("pads"));
  if (pads.size() == 4) d.pt = pads[0], d.pb = pads[1], d.pl = pads[2], d.pr = pads[3];
  if (o.Get("weights").IsObject()) {
    auto w = o.Get("weights").As<Napi::Object>();
    d.kernel = weightIndex(w, "kernel");
    d.bias = weightIndex(w, "bias");
    d.gamma = weightIndex(w, "gamma");
    d.beta = weightIndex(w, "beta");
    d.mean = weightIndex(w, "mean");
    d.variance = weightIndex(w, "variance");
  }
  d.relu = o.Get("relu").IsBoolean() && o.Get("relu").As<Napi::Boolean>().Value();
  d.reluMax = float(numOf(o, "max", -1));
  d.epsilon = float(numOf(o, "epsilon", 1e-3));
  d.momentum = float(numOf(o, "momentum", 0.99));
  d.rate = float(numOf(o, "rate", 0));
  d.seed = uint32_t(numOf(o, "seed", 0));
  return d;
}

Napi::Float32Array floatsArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string("WholeStep: ") + what + " must be a Float32Array");
  return info[i].As<Napi::Float32Array>();
}

}  // namespace

Napi::Function WholeStep::Define(Napi::Env env) {
  return DefineClass(env, "WholeStep",
                     {InstanceMethod("read", &WholeStep::Read), InstanceMethod("write", &WholeStep::Write),
                      InstanceMethod("stepCount", &WholeStep::StepCount), InstanceMethod("setStepCount", &WholeStep::SetStepCount),
                      InstanceMethod("setTraining", &WholeStep::SetTraining),
                      InstanceMethod("resetOptimizer", &WholeStep::ResetOptimizer),
                      InstanceMethod("step", &WholeStep::Step), InstanceMethod("norms", &WholeStep::Norms),
                      InstanceMethod("setProfiling", &WholeStep::SetProfiling), InstanceMethod("takeTimes", &WholeStep::TakeTimes),
                      InstanceMethod("describe", &WholeStep::Describe), InstanceMethod("dispose", &WholeStep::Dispose)});
}

// new WholeStep(graph: {nodes, weights, output}, optimizer: {kind, beta1, beta2, epsilon, weightDecay, momentum},
//               options: {winograd})
WholeStep::WholeStep(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WholeStep>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsObject()) throw Napi::TypeError::New(env, "WholeStep(graph, optimizer, options)");
  try {
    auto g = info[0].As<Napi::Object>();
    std::vector<NodeDesc> nodes;
    auto ns = g.Get("nodes").As<Napi::Array>();
    for (uint32_t i = 0; i < ns.Length(); i++) nodes.push_back(nodeOf(ns.Get(i).As<Napi::Object>()));
    std::vector<WeightDesc> weights;
    auto ws = g.Get("weights").As<Napi::Array>();
    for (uint32_t i = 0; i < ws.Length(); i++) {
      auto w = ws.Get(i).As<Napi::Object>();
      WeightDesc d;
      d.name = w.Get("name").As<Napi::String>().Utf8Value();
      for (int s : intsOf(w.Get("shape"))) d.shape.push_back(s);
      weights.push_back(d);
    }
    auto o = info[1].As<Napi::Object>();
    OptimizerDesc opt;
    const std::string kind = o.Get("kind").As<Napi::String>().Utf8Value();
    opt.kind = kind == "sgd" ? OptimizerDesc::kSgd : kind == "adamw" ? OptimizerDesc::kAdamW : OptimizerDesc::kAdam;
    opt.beta1 = numOf(o, "beta1", 0.9);
    opt.beta2 = numOf(o, "beta2", 0.999);
    opt.epsilon = numOf(o, "epsilon", 1e-7);
    opt.weightDecay = numOf(o, "weightDecay", 0);
    opt.momentum = numOf(o, "momentum", 0.9);
    bool winograd = true;
    if (info[2].IsObject()) {
      auto v = info[2].As<Napi::Object>().Get("winograd");
      if (v.IsBoolean()) winograd = v.As<Napi::Boolean>().Value();
    }
    graph_ = std::make_unique<StepGraph>(std::move(nodes), std::move(weights), intOf(g, "output"), opt, winograd);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("whole-step engine: ") + e.what());
  }
}

StepGraph& WholeStep::graph(const Napi::Env& env) {
  if (!graph_) throw Napi::Error::New(env, "whole-step engine: used after dispose()");
  return *graph_;
}

int WholeStep::weightArg(const Napi::CallbackInfo& info, size_t i) {
  const int w = info[i].As<Napi::Number>().Int32Value();
  if (w < 0 || size_t(w) >= graph(info.Env()).weightCount()) throw Napi::RangeError::New(info.Env(), "WholeStep: no such weight");
  return w;
}

char WholeStep::whichArg(const Napi::CallbackInfo& info, size_t i) {
  const std::string s = info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "w";
  if (s != "w" && s != "g" && s != "m" && s != "v" && s != "0")
    throw Napi::TypeError::New(info.Env(), "WholeStep: buffer is one of w, g, m, v, 0 (the starting point)");
  return s[0];
}

// read(weight, out: Float32Array, which = 'w')
Napi::Value WholeStep::Read(const Napi::CallbackInfo& info) {
  const int w = weightArg(info, 0);
  auto out = floatsArg(info, 1, "out");
  if (out.ElementLength() != graph(info.Env()).weightSize(w)) throw Napi::RangeError::New(info.Env(), "WholeStep.read: wrong length");
  graph(info.Env()).read(w, whichArg(info, 2), out.Data());
  return info.Env().Undefined();
}

// write(weight, values: Float32Array, which = 'w')
Napi::Value WholeStep::Write(const Napi::CallbackInfo& info) {
  const int w = weightArg(info, 0);
  auto in = floatsArg(info, 1, "values");
  if (in.ElementLength() != graph(info.Env()).weightSize(w)) throw Napi::RangeError::New(info.Env(), "WholeStep.write: wrong length");
  graph(info.Env()).write(w, whichArg(info, 2), in.Data());
  return info.Env().Undefined();
}

Napi::Value WholeStep::StepCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), graph(info.Env()).stepCount(weightArg(info, 0)));
}

Napi::Value WholeStep::SetStepCount(const Napi::CallbackInfo& info) {
  graph(info.Env()).setStepCount(weightArg(info, 0), info[1].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// setTraining(lrMultipliers: Float64Array, penaltyRoles: Int32Array), one entry per weight
Napi::Value WholeStep::SetTraining(const Napi::CallbackInfo& info) {
  auto m = info[0].As<Napi::Float64Array>();
  auto r = info[1].As<Napi::Int32Array>();
  try {
    graph(info.Env()).setTraining(std::vector<double>(m.Data(), m.Data() + m.ElementLength()),
                                  std::vector<int>(r.Data(), r.Data() + r.ElementLength()));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("whole-step engine: ") + e.what());
  }
  return info.Env().Undefined();
}

Napi::Value WholeStep::ResetOptimizer(const Napi::CallbackInfo& info) {
  graph(info.Env()).resetOptimizer();
  return info.Env().Undefined();
}

// step(x: Float32Array NHWC, n, labels: Int32Array, classWeights: Float32Array | null,
//      {lr, update, penalty: 'none' | 'l2-sp' | 'l1-sp', alpha, beta, clipNorm}) → {loss, penalty, gradNorm}
Napi::Value WholeStep::Step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = floatsArg(info, 0, "x");
  const int n = info[1].As<Napi::Number>().Int32Value();
  auto labels = info[2].As<Napi::Int32Array>();
  const float* classWeights = info[3].IsTypedArray() ? info[3].As<Napi::Float32Array>().Data() : nullptr;
  auto o = info[4].As<Napi::Object>();
  if (labels.ElementLength() != size_t(n)) throw Napi::RangeError::New(env, "WholeStep.step: one label per image");
  StepArgs a;
  a.lr = numOf(o, "lr", 0);
  a.update = !o.Get("update").IsBoolean() || o.Get("update").As<Napi::Boolean>().Value();
  const std::string p = o.Get("penalty").IsString() ? o.Get("penalty").As<Napi::String>().Utf8Value() : "none";
  a.penalty = p == "l2-sp" ? StepArgs::kL2Sp : p == "l1-sp" ? StepArgs::kL1Sp : StepArgs::kNone;
  a.alpha = numOf(o, "alpha", 0);
  a.beta = numOf(o, "beta", 0);
  a.clipNorm = numOf(o, "clipNorm", 0);
  StepResult r;
  try {
    StepGraph& g = graph(env);
    g.checkInput(x.ElementLength(), n);
    r = g.step(x.Data(), n, labels.Data(), classWeights, a);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("whole-step engine: ") + e.what());
  }
  auto out = Napi::Object::New(env);
  out.Set("loss", r.loss);
  out.Set("penalty", r.penalty);
  out.Set("gradNorm", r.gradNorm);
  return out;
}

// norms() → Float64Array [‖g₀‖, ‖w₀‖, ‖g₁‖, ‖w₁‖, …]
Napi::Value WholeStep::Norms(const Napi::CallbackInfo& info) {
  auto v = graph(info.Env()).norms();
  auto out = Napi::Float64Array::New(info.Env(), v.size());
  for (size_t i = 0; i < v.size(); i++) out[i] = v[i];
  return out;
}

Napi::Value WholeStep::SetProfiling(const Napi::CallbackInfo& info) {
  graph(info.Env()).setProfiling(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value WholeStep::TakeTimes(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  for (auto& [k, ms] : graph(info.Env()).takeTimes()) out.Set(k, ms);
  return out;
}

Napi::Value WholeStep::Describe(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), graph(info.Env()).describe()); }

Napi::Value WholeStep::Dispose(const Napi::CallbackInfo& info) {
  graph_.reset();
  return info.Env().Undefined();
}

}  // namespace medft::step
