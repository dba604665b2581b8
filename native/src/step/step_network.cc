// Tensors, weights' layouts, and one batch size's network: the ops in graph order, forward, the loss, backward.
#include "step_network.h"

#include "../dnnl_context.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace medft::step {

using namespace dnnl;

engine& eng() { return medft::cpuEngine(); }
stream& strm() { return medft::threadStream(); }
float* ptr(const memory& m) { return static_cast<float*>(m.get_data_handle()); }
size_t floatsIn(const memory& m) { return m.get_desc().get_size() / sizeof(float); }

void copyMemory(const memory& from, const memory& to) {
  const float* s = ptr(from);
  float* d = ptr(to);
  const long n = long(floatsIn(to));
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (long i = 0; i < n; i++) d[i] = s[i];
}

void addInto(const memory& acc, const memory& add) {
  float* a = ptr(acc);
  const float* b = ptr(add);
  const long n = long(floatsIn(acc));
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (long i = 0; i < n; i++) a[i] += b[i];
}

memory zeros(const memory::desc& d) {
  memory m(d, eng());
  std::memset(m.get_data_handle(), 0, d.get_size());
  return m;
}

memory::desc activationDesc(memory::dim n, memory::dim c, memory::dim h, memory::dim w) {
  static const memory::dim block = get_effective_cpu_isa() >= cpu_isa::avx512_core ? 16 : 8;
  if (c % block == 0) return memory::desc({n, c, h, w}, dt::f32, block == 16 ? tag::nChw16c : tag::nChw8c);
  return memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
}

std::unique_ptr<Tensor> newTensor(memory::dim n, memory::dim c, memory::dim h, memory::dim w, bool withGrad) {
  auto t = std::make_unique<Tensor>();
  t->dims = {n, c, h, w};
  t->md = activationDesc(n, c, h, w);
  t->val = zeros(t->md);
  if (withGrad) t->grad = zeros(t->md);
  return t;
}

void Tensor::deliver(const std::function<void(const memory&)>& write) {
  if (!written) {
    write(grad);
    written = true;
    return;
  }
  if (!tmp) tmp = memory(md, eng());
  write(tmp);
  addInto(grad, tmp);
}

void Weight::adopt(const memory::desc& d) {
  layoutFixed = true;
  if (d == w.get_desc()) return;
  // Written before the first step (weights, a resumed run's moments, the penalties' starting point): reordered along.
  for (memory* b : {&w, &g, &m, &v, &w0}) {
    if (!*b) continue;
    memory next = zeros(d);
    reorder(*b, next).execute(strm(), *b, next);
    *b = next;
  }
}

namespace {
const NodeDesc& node(const std::vector<NodeDesc>& nodes, int i) {
  if (i < 0 || size_t(i) >= nodes.size()) throw std::runtime_error("graph: node index out of range");
  return nodes[size_t(i)];
}
}  // namespace

Network::Network(StepGraph& g, int n) : g_(g), n_(n) {
  const auto& nodes = g.nodes_;
  const NodeDesc& first = node(nodes, 0);
  if (first.op != "input") throw std::runtime_error("graph: node 0 must be the input");
  tensors_.push_back(std::make_unique<Tensor>());
  Tensor* x = tensors_.back().get();
  x->dims = {n, first.C, first.H, first.W};
  // Planar: oneDNN's fast kernels for a convolution reading a few channels want nchw (with nhwc they fall back to
  // the reference implementation); the batch arrives in TF.js's NHWC and is reordered in.
  x->md = memory::desc(x->dims, dt::f32, tag::nchw);
  x->val = zeros(x->md);
  for (size_t i = 1; i < nodes.size(); i++) {
    const NodeDesc& d = nodes[i];
    std::vector<Tensor*> inputs;
    for (int k : d.inputs) {
      if (k < 0 || size_t(k) >= i) throw std::runtime_error("graph: node " + d.layer + " reads a later node");
      inputs.push_back(tensors_[size_t(k)].get());
    }
    if (inputs.empty()) throw std::runtime_error("graph: node " + d.layer + " has no input");
    std::unique_ptr<Op> op;
    try {
      op = makeOp(d, inputs);
    } catch (const dnnl::error& e) {
      throw std::runtime_error("oneDNN declined layer " + d.layer + " (" + d.op + "): " + e.what());
    }
    const Tensor* o = op->out;
    if (o->dims[1] != d.C || o->dims[2] != d.H || o->dims[3] != d.W)
      throw std::runtime_error("graph: layer " + d.layer + "'s output shape differs from the graph's");
    tensors_.emplace_back(op->out);
    ops_.push_back(std::move(op));
  }
  refreshNeeds();
}

std::unique_ptr<Op> Network::makeOp(const NodeDesc& d, std::vector<Tensor*> xs) {
  auto weight = [&](int i) -> Weight* {
    if (i < 0) return nullptr;
    if (size_t(i) >= g_.weights_.size()) throw std::runtime_error("graph: weight index out of range at " + d.layer);
    return g_.weights_[size_t(i)].get();
  };
  Tensor* x = xs[0];
  if (d.op == "conv" || d.op == "depthwise") return makeConv(d, x, weight(d.kernel), weight(d.bias), d.op == "depthwise", g_.winograd_);
  if (d.op == "batchnorm") return makeBatchNorm(d, x, weight(d.gamma), weight(d.beta), weight(d.mean), weight(d.variance));
  if (d.op == "relu") return makeRelu(d, x);
  if (d.op == "add") return makeAdd(d, xs);
  if (d.op == "concat") return makeConcat(d, xs);
  if (d.op == "maxpool" || d.op == "avgpool") return makePool(d, x, d.op == "maxpool");
  if (d.op == "gap") return makeGlobalPool(d, x);
  if (d.op == "pad") return makePad(d, x);
  if (d.op == "dense") return makeDense(d, x, weight(d.kernel), weight(d.bias));
  if (d.op == "dropout") return makeDropout(d, x);
  throw std::runtime_error("graph: no native op '" + d.op + "' (layer " + d.layer + ")");
}

void Network::refreshNeeds() {
  tensors_[0]->needGrad = false;
  for (auto& op : ops_) {
    bool need = op->trains();
    for (Tensor* t : op->in) need = need || t->needGrad;
    op->out->needGrad = need;
  }
}

void Network::forward(const float* x) {
  Tensor& in = *tensors_[0];
  memory user(memory::desc(in.dims, dt::f32, tag::nhwc), eng(), const_cast<float*>(x));
  reorder(user, in.val).execute(strm(), user, in.val);
  for (auto& t : tensors_) t->written = false;
  for (auto& op : ops_) g_.timed(op->kind, " fwd", [&] { op->forward(); });
}

// Softmax cross-entropy, class-weighted: Σ w_y·CE / Σ w_y (mean CE without weights), as src/train/loss.ts.
double Network::loss(const int* labels, const float* classWeights) {
  Tensor* logits = tensors_[size_t(g_.output_)].get();
  if (logits->dims[2] != 1 || logits->dims[3] != 1) throw std::runtime_error("graph: the output must be [N, classes]");
  const long n = long(logits->dims[0]), k = long(logits->dims[1]);
  const float* z = ptr(logits->val);
  float* dz = ptr(logits->grad);
  double total = 0, weightSum = 0;
  for (long i = 0; i < n; i++) {
    if (labels[i] < 0 || labels[i] >= k) throw std::runtime_error("step: a label is outside [0, classes)");
    weightSum += classWeights ? classWeights[labels[i]] : 1.0;
  }
  if (!(weightSum > 0)) weightSum = 1;
  for (long i = 0; i < n; i++) {
    const float* row = z + i * k;
    double mx = row[0];
    for (long j = 1; j < k; j++) mx = std::max(mx, double(row[j]));
    double sum = 0;
    for (long j = 0; j < k; j++) sum += std::exp(double(row[j]) - mx);
    const double wi = classWeights ? classWeights[labels[i]] : 1.0;
    total += wi * -(double(row[labels[i]]) - mx - std::log(sum));
    for (long j = 0; j < k; j++) dz[i * k + j] = float(wi * (std::exp(double(row[j]) - mx) / sum - (j == labels[i] ? 1.0 : 0.0)) / weightSum);
  }
  logits->written = true;
  return total / weightSum;
}

void Network::backward() {
  for (size_t i = ops_.size(); i-- > 0;) {
    Op& op = *ops_[i];
    if (!op.out->needGrad || !op.out->written) continue;
    g_.timed(op.kind, " bwd", [&] { op.backward(); });
  }
}

std::string Network::describe() const {
  std::ostringstream s;
  for (const auto& op : ops_) s << op->layer << ": " << op->impl() << '\n';
  return s.str();
}

}  // namespace medft::step
