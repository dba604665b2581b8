// The whole-step engine: a train step (forward, softmax cross-entropy, backward, penalty, clipping, optimizer
// update) of a graph read off a TF.js LayersModel (src/engine/whole-step/graph.ts), on tensors this engine owns in
// oneDNN's preferred layouts. The graph and the strategy arrive as data: which weights train and at what learning-rate
// multiplier, each weight's penalty role, BatchNorm in training or frozen mode (a BatchNorm trains iff its γ does).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace medft::step {

// One node of the graph (graph-spec.ts's GraphNode, flattened). Shapes per image; -1: absent.
struct NodeDesc {
  std::string op, layer;
  std::vector<int> inputs;
  int H = 0, W = 0, C = 0;  // output
  int kh = 1, kw = 1, sh = 1, sw = 1;
  int pt = 0, pb = 0, pl = 0, pr = 0;
  int kernel = -1, bias = -1, gamma = -1, beta = -1, mean = -1, variance = -1;
  bool relu = false;
  float reluMax = -1;  // ReLU6's 6; -1: none
  float epsilon = 1e-3f, momentum = 0.99f;
  float rate = 0;  // dropout
  uint32_t seed = 0;
};

struct WeightDesc {
  std::string name;
  std::vector<int64_t> shape;  // TF.js's
};

struct OptimizerDesc {
  enum Kind { kAdam, kAdamW, kSgd } kind = kAdam;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, weightDecay = 0, momentum = 0.9;
};

// What one step does beyond forward and backward.
struct StepArgs {
  double lr = 0;
  bool update = true;  // false: gradients only (Auto-RGN's probe)
  enum Penalty { kNone, kL2Sp, kL1Sp } penalty = kNone;
  double alpha = 0, beta = 0;  // starting-point and head-kernel coefficients
  double clipNorm = 0;         // 0: no clipping
};

struct StepResult {
  double loss = 0, penalty = 0, gradNorm = 0;  // gradNorm: before clipping, computed only when clipping
};

// Penalty role of a weight: none, a backbone weight pulled towards its starting point, or a head kernel (β‖w‖²).
enum PenaltyRole { kNoPenalty = 0, kStartingPoint = 1, kHeadKernel = 2 };

class Network;
struct Weight;

class StepGraph {
 public:
  StepGraph(std::vector<NodeDesc> nodes, std::vector<WeightDesc> weights, int output, OptimizerDesc opt, bool winograd);
  ~StepGraph();

  size_t weightCount() const { return weights_.size(); }
  size_t weightSize(int i) const;  // elements in TF.js's layout
  // Buffers in TF.js's layout: 'w' the weight, 'm' and 'v' the optimizer's moments, 'g' the last gradient, '0' the
  // penalties' starting point.
  void read(int i, char which, float* out);
  void write(int i, char which, const float* in);
  int stepCount(int i) const;
  void setStepCount(int i, int t);

  // lrMultiplier[i] > 0: weight i trains at lr·multiplier; 0: frozen (no gradient). roles: PenaltyRole per weight.
  void setTraining(const std::vector<double>& lrMultiplier, const std::vector<int>& roles);
  void resetOptimizer();

  // Throws unless `floats` is n images of the input's shape.
  void checkInput(size_t floats, int n) const;
  StepResult step(const float* x, int n, const int* labels, const float* classWeights, const StepArgs& args);
  // Per weight: ‖g‖ of the last step's data-loss gradient (0 when frozen) and ‖w‖.
  std::vector<double> norms() const;

  void setProfiling(bool on) { profiling_ = on; }
  std::map<std::string, double> takeTimes();  // milliseconds by op kind since the last call
  std::string describe() const;               // the primitives in use, one line per op

  // Runs f, adding its milliseconds to `kind` + `pass` while profiling (the label is built only then).
  void timed(const std::string& kind, const char* pass, const std::function<void()>& f);

 private:
  Network& network(int n);
  std::vector<NodeDesc> nodes_;
  std::vector<std::unique_ptr<Weight>> weights_;
  int output_;
  OptimizerDesc opt_;
  bool winograd_;
  std::map<int, std::unique_ptr<Network>> networks_;  // by batch size
  bool profiling_ = false;
  std::map<std::string, double> times_;
  friend class Network;
};

}  // namespace medft::step
