// The whole-step engine's front: weights in and out in TF.js's layout, the strategy as data, and the step itself
// (network forward and backward, then penalty, clipping and the optimizer update, all on the engine's buffers).
#include "step_graph.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "../cpu_loops.h"
#include "../optimizer_update.h"
#include "step_network.h"

namespace medft::step {

using namespace dnnl;

namespace {
double sumSquares(const memory& m) {
  const float* a = ptr(m);
  const long n = long(floatsIn(m));
  double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n >= 65536)
  for (long i = 0; i < n; i++) s += double(a[i]) * a[i];
  return s;
}
}  // namespace

StepGraph::StepGraph(std::vector<NodeDesc> nodes, std::vector<WeightDesc> weights, int output, OptimizerDesc opt, bool winograd)
    : nodes_(std::move(nodes)), output_(output), opt_(opt), winograd_(winograd) {
  if (output_ <= 0 || size_t(output_) >= nodes_.size()) throw std::runtime_error("graph: the output node is out of range");
  for (auto& d : weights) {
    auto w = std::make_unique<Weight>();
    w->desc = d;
    memory::dim size = 1;
    for (int64_t s : d.shape) size *= s;
    w->plain = memory::desc({size}, dt::f32, tag::x);
    weights_.push_back(std::move(w));
  }
  // Convolution kernels: TF.js's [kh, kw, in, out] is oneDNN's hwio, depthwise [kh, kw, C, 1] its grouped hwigo.
  for (const NodeDesc& n : nodes_) {
    if (n.op != "conv" && n.op != "depthwise") continue;
    if (n.kernel < 0 || size_t(n.kernel) >= weights_.size()) throw std::runtime_error("graph: conv " + n.layer + " has no kernel");
    Weight& w = *weights_[size_t(n.kernel)];
    const auto& s = w.desc.shape;
    if (s.size() != 4) throw std::runtime_error("graph: conv " + n.layer + "'s kernel is not 4-D");
    w.plain = n.op == "conv" ? memory::desc({s[3], s[2], s[0], s[1]}, dt::f32, tag::hwio)
                             : memory::desc({s[2], 1, 1, s[0], s[1]}, dt::f32, tag::hwigo);
  }
  for (auto& w : weights_) {
    w->w = zeros(w->plain);
    w->g = zeros(w->plain);
  }
}

StepGraph::~StepGraph() = default;

size_t StepGraph::weightSize(int i) const { return weights_.at(size_t(i))->plain.get_size() / sizeof(float); }

namespace {
memory& buffer(Weight& w, char which) {
  switch (which) {
    case 'w': return w.w;
    case 'g': return w.g;
    case 'm': return w.m;
    case 'v': return w.v;
    case '0': return w.w0;
  }
  throw std::runtime_error("weights: no buffer '" + std::string(1, which) + "'");
}
}  // namespace

void StepGraph::read(int i, char which, float* out) {
  Weight& w = *weights_.at(size_t(i));
  memory& b = buffer(w, which);
  memory user(w.plain, eng(), out);
  if (!b) {
    std::memset(out, 0, w.plain.get_size());
    return;
  }
  reorder(b, user).execute(strm(), b, user);
  strm().wait();
}

void StepGraph::write(int i, char which, const float* in) {
  Weight& w = *weights_.at(size_t(i));
  memory& b = buffer(w, which);
  if (!b) b = zeros(w.w.get_desc());
  memory user(w.plain, eng(), const_cast<float*>(in));
  reorder(user, b).execute(strm(), user, b);
  strm().wait();
  if (which == 'w') w.version++;
}

int StepGraph::stepCount(int i) const { return weights_.at(size_t(i))->t; }
void StepGraph::setStepCount(int i, int t) { weights_.at(size_t(i))->t = t; }

void StepGraph::setTraining(const std::vector<double>& lrMultiplier, const std::vector<int>& roles) {
  if (lrMultiplier.size() != weights_.size() || roles.size() != weights_.size())
    throw std::runtime_error("setTraining: one multiplier and one role per weight");
  for (size_t i = 0; i < weights_.size(); i++) {
    weights_[i]->lrMultiplier = lrMultiplier[i];
    weights_[i]->role = roles[i];
  }
  for (auto& [n, net] : networks_) net->refreshNeeds();
}

void StepGraph::resetOptimizer() {
  for (auto& w : weights_) {
    w->m = memory();
    w->v = memory();
    w->t = 0;
  }
}

Network& StepGraph::network(int n) {
  auto it = networks_.find(n);
  if (it != networks_.end()) return *it->second;
  auto net = std::make_unique<Network>(*this, n);
  return *networks_.emplace(n, std::move(net)).first->second;
}

void StepGraph::timed(const std::string& kind, const char* pass, const std::function<void()>& f) {
  if (!profiling_) {
    f();
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  f();
  strm().wait();
  times_[kind + pass] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::map<std::string, double> StepGraph::takeTimes() {
  auto t = std::move(times_);
  times_.clear();
  return t;
}

std::string StepGraph::describe() const {
  if (networks_.empty()) return "";
  return networks_.begin()->second->describe();
}

void StepGraph::checkInput(size_t floats, int n) const {
  const NodeDesc& in = nodes_.at(0);
  if (n <= 0 || floats != size_t(n) * size_t(in.H) * size_t(in.W) * size_t(in.C))
    throw std::runtime_error("step: the batch is not " + std::to_string(n) + " images of " + std::to_string(in.H) + "x" +
                             std::to_string(in.W) + "x" + std::to_string(in.C));
}

StepResult StepGraph::step(const float* x, int n, const int* labels, const float* classWeights, const StepArgs& a) {
  if (n <= 0) throw std::runtime_error("step: an empty batch");
  Network& net = network(n);
  StepResult r;
  net.forward(x);
  timed("loss", "", [&] { r.loss = net.loss(labels, classWeights); });
  net.backward();
  strm().wait();
  if (!std::isfinite(r.loss)) return r;

  timed("penalty and clipping", "", [&] {  // the gradient norm only when clipping
    // Starting-point penalties on the gradient: L2-SP α(w − w⁰), L1-SP α·sign(w − w⁰), head kernels βw.
    for (auto& w : weights_) {
      if (!w->trains() || a.penalty == StepArgs::kNone) continue;
      const bool head = w->role == kHeadKernel;
      if (!(head ? a.beta > 0 : w->role == kStartingPoint && w->w0 && a.alpha > 0)) continue;
      const float *wv = ptr(w->w), *w0 = head ? nullptr : ptr(w->w0);
      float* g = ptr(w->g);
      const long count = long(floatsIn(w->w));
      const bool l1 = !head && a.penalty == StepArgs::kL1Sp;
      const double coef = head ? a.beta : a.alpha;
      double value = 0;
      for (long i = 0; i < count; i++) {
        const double d = head ? wv[i] : double(wv[i]) - w0[i];
        if (l1) {
          value += std::fabs(d);
          g[i] += float(d > 0 ? coef : d < 0 ? -coef : 0);
        } else {
          value += d * d;
          g[i] += float(coef * d);
        }
      }
      r.penalty += l1 ? coef * value : 0.5 * coef * value;
    }
    if (!(a.clipNorm > 0)) return;
    double sq = 0;
    for (auto& w : weights_)
      if (w->trains()) sq += sumSquares(w->g);
    r.gradNorm = std::sqrt(sq);
    if (r.gradNorm > a.clipNorm) {
      const float s = float(a.clipNorm / r.gradNorm);
      for (auto& w : weights_) {
        if (!w->trains()) continue;
        float* g = ptr(w->g);
        for (size_t i = 0, c = floatsIn(w->g); i < c; i++) g[i] *= s;
      }
    }
  });
  if (!a.update) return r;

  timed("optimizer", "", [&] {
    for (auto& w : weights_) {
      const double rate = a.lr * w->lrMultiplier;
      if (!(rate > 0)) continue;
      if (!w->m) w->m = zeros(w->w.get_desc());
      const bool sgd = opt_.kind == OptimizerDesc::kSgd;
      if (!sgd && !w->v) w->v = zeros(w->w.get_desc());
      w->t++;
      float *wv = ptr(w->w), *g = ptr(w->g), *m = ptr(w->m), *v = sgd ? nullptr : ptr(w->v);
      const long count = long(floatsIn(w->w));
      if (sgd) {
        medft::parallelRanges(count, 1, 64, [&](long b, long e) { medft::sgdRange(opt_.momentum, rate, wv, wv, g, m, b, e); });
      } else {
        const medft::AdamK k{opt_.beta1, opt_.beta2, 1 - opt_.beta1, 1 - opt_.beta2,
                             rate / (1 - std::pow(opt_.beta1, w->t)), 1 / (1 - std::pow(opt_.beta2, w->t)), opt_.epsilon,
                             opt_.kind == OptimizerDesc::kAdamW ? rate * opt_.weightDecay : 0};
        medft::parallelRanges(count, 1, 64, [&](long b, long e) { medft::adamRange(k, wv, wv, g, m, v, b, e); });
      }
      w->version++;
    }
  });
  return r;
}

std::vector<double> StepGraph::norms() const {
  std::vector<double> out;
  for (const auto& w : weights_) {
    out.push_back(w->trains() ? std::sqrt(sumSquares(w->g)) : 0);
    out.push_back(std::sqrt(sumSquares(w->w)));
  }
  return out;
}

}  // namespace medft::step
