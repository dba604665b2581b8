// One batch size's worth of the whole-step engine: activations and their gradients, and an op per graph node with
// its oneDNN primitives (step_ops.cc). Weights belong to the StepGraph and are shared by every batch size.
#pragma once

#if __has_include(<oneapi/dnnl/dnnl.hpp>)
#include <oneapi/dnnl/dnnl.hpp>
#else
#include <dnnl.hpp>
#endif

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "step_graph.h"

namespace medft::step {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& eng();
dnnl::stream& strm();
float* ptr(const memory& m);
memory zeros(const memory::desc& d);  // a new buffer, zero-filled
size_t floatsIn(const memory& m);
void copyMemory(const memory& from, const memory& to);  // same descriptor
void addInto(const memory& acc, const memory& add);     // same descriptor: acc += add

struct Weight {
  WeightDesc desc;
  memory::desc plain;   // TF.js's layout
  memory w, g, m, v, w0;  // w and g in the engine's layout (that of the forward primitive); m, v, w0 on demand
  bool layoutFixed = false;
  double lrMultiplier = 0;  // 0: frozen
  int role = kNoPenalty;
  int t = 0;  // optimizer steps taken
  uint64_t version = 0;  // bumped on every change of w
  bool trains() const { return lrMultiplier > 0; }
  // Moves w (and any state) into `d`, the layout the first primitive that reads it prefers.
  void adopt(const memory::desc& d);
};

struct Tensor {
  memory::dims dims;  // N, C, H, W
  memory::desc md;
  memory val, grad, tmp;
  bool needGrad = false;  // some trainable weight lies upstream
  bool written = false;   // grad holds this step's first contribution
  // Hands this step's gradient contribution to the tensor: written straight into grad, or added to it.
  void deliver(const std::function<void(const memory&)>& write);
};

struct Op {
  std::string kind, layer;
  std::vector<Tensor*> in;
  Tensor* out = nullptr;
  virtual ~Op() = default;
  virtual void forward() = 0;
  virtual void backward() = 0;
  virtual bool trains() const { return false; }
  virtual std::string impl() const { return kind; }
};

class Network {
 public:
  Network(StepGraph& g, int n);
  void refreshNeeds();  // after the trainable set changed
  void forward(const float* x);
  double loss(const int* labels, const float* classWeights);  // writes d(loss)/d(logits)
  void backward();
  std::string describe() const;

 private:
  std::unique_ptr<Op> makeOp(const NodeDesc& d, std::vector<Tensor*> inputs);
  StepGraph& g_;
  int n_;
  std::vector<std::unique_ptr<Tensor>> tensors_;  // by node
  std::vector<std::unique_ptr<Op>> ops_;          // nodes 1..; node 0 is the input
};

// The op constructors (step_ops.cc).
std::unique_ptr<Op> makeConv(const NodeDesc& d, Tensor* x, Weight* w, Weight* b, bool depthwise, bool winograd);
std::unique_ptr<Op> makeBatchNorm(const NodeDesc& d, Tensor* x, Weight* gamma, Weight* beta, Weight* mean, Weight* var);
std::unique_ptr<Op> makeRelu(const NodeDesc& d, Tensor* x);
std::unique_ptr<Op> makeAdd(const NodeDesc& d, std::vector<Tensor*> xs);
std::unique_ptr<Op> makeConcat(const NodeDesc& d, std::vector<Tensor*> xs);
std::unique_ptr<Op> makePool(const NodeDesc& d, Tensor* x, bool max);
std::unique_ptr<Op> makeGlobalPool(const NodeDesc& d, Tensor* x);
std::unique_ptr<Op> makePad(const NodeDesc& d, Tensor* x);
std::unique_ptr<Op> makeDense(const NodeDesc& d, Tensor* x, Weight* w, Weight* b);
std::unique_ptr<Op> makeDropout(const NodeDesc& d, Tensor* x);

// An activation's layout: oneDNN's blocked one when the channels fill its blocks, else NHWC.
memory::desc activationDesc(memory::dim n, memory::dim c, memory::dim h, memory::dim w);
// An activation tensor of N images, zero-filled, with a gradient buffer.
std::unique_ptr<Tensor> newTensor(memory::dim n, memory::dim c, memory::dim h, memory::dim w, bool withGrad = true);

}  // namespace medft::step
