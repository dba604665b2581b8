// The whole-step engine's ops: each one a graph node's forward and backward on oneDNN primitives (or a short loop for
// the tiny [N, C] tensors after global pooling). Backward primitives are made on first use: a frozen prefix never
// makes its own.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "step_network.h"

namespace medft::step {

using namespace dnnl;

namespace {

memory::dims spatial(int a, int b) { return {a, b}; }

eltwise_backward reluBackwardFromDst(const memory::desc& md) {
  eltwise_forward::primitive_desc hint({prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, md, 0.f, 0.f}, eng());
  return eltwise_backward({{algorithm::eltwise_relu_use_dst_for_bwd, md, md, 0.f, 0.f}, eng(), hint});
}

primitive_attr reluAttr(bool relu) {
  primitive_attr attr;
  if (relu) {
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
  }
  return attr;
}

// ---- convolution and depthwise convolution (groups = channels), bias and ReLU fused ----
struct ConvOp : Op {
  Weight *w, *b;
  bool relu, depthwise;
  convolution_forward::primitive_desc fpd;
  convolution_forward fwd;
  memory wFwd;  // the weights in the forward's layout when it differs from the weight's own (rare)
  uint64_t wFwdVersion = ~0ull;
  convolution_backward_data bwdData;
  convolution_backward_weights bwdW;
  memory wBwd, dwOwn;
  uint64_t wBwdVersion = ~0ull;
  bool madeData = false, madeWeights = false, dwReorder = false;
  eltwise_backward reluB;
  algorithm alg;
  memory::desc srcMd, wAny, biasMd, dstMd;
  memory::dims strides, padL, padR;

  ConvOp(const NodeDesc& d, Tensor* x, Weight* w_, Weight* b_, bool dw, bool winograd) : w(w_), b(b_), relu(d.relu), depthwise(dw) {
    kind = dw ? "depthwise conv" : "conv";
    layer = d.layer;
    in = {x};
    const memory::dim n = x->dims[0], ic = x->dims[1];
    out = newTensor(n, d.C, d.H, d.W).release();
    strides = spatial(d.sh, d.sw);
    padL = spatial(d.pt, d.pl);
    padR = spatial(d.pb, d.pr);
    srcMd = x->md;
    dstMd = out->md;
    const memory::dims wdims = dw ? memory::dims{ic, 1, 1, d.kh, d.kw} : memory::dims{d.C, ic, d.kh, d.kw};
    wAny = memory::desc(wdims, dt::f32, tag::any);
    if (b) biasMd = memory::desc({d.C}, dt::f32, tag::x);
    const bool wino = winograd && !dw && d.kh == 3 && d.kw == 3 && d.sh == 1 && d.sw == 1 && ic >= 32 && d.C >= 32 && d.H >= 8 && d.W >= 8;
    alg = algorithm::convolution_direct;
    if (wino) try {
        fpd = forwardPd(algorithm::convolution_winograd, w->layoutFixed ? w->w.get_desc() : wAny);
        alg = algorithm::convolution_winograd;
      } catch (const dnnl::error&) {
      }
    if (alg == algorithm::convolution_direct) {
      try {
        fpd = forwardPd(alg, w->layoutFixed ? w->w.get_desc() : wAny);
      } catch (const dnnl::error&) {
        fpd = forwardPd(alg, wAny);  // the weight's layout is not this batch size's preference
      }
    }
    fwd = convolution_forward(fpd);
    if (!w->layoutFixed) w->adopt(fpd.weights_desc());
    if (!(fpd.weights_desc() == w->w.get_desc())) wFwd = memory(fpd.weights_desc(), eng());
    if (relu) reluB = reluBackwardFromDst(dstMd);
  }

  convolution_forward::primitive_desc forwardPd(algorithm a, const memory::desc& wd) {
    auto desc = b ? convolution_forward::desc(prop_kind::forward_training, a, srcMd, wd, biasMd, dstMd, strides, padL, padR)
                  : convolution_forward::desc(prop_kind::forward_training, a, srcMd, wd, dstMd, strides, padL, padR);
    return convolution_forward::primitive_desc(desc, reluAttr(relu), eng());
  }

  const memory& forwardWeights() {
    if (!wFwd) return w->w;
    if (wFwdVersion != w->version) {
      reorder(w->w, wFwd).execute(strm(), w->w, wFwd);
      wFwdVersion = w->version;
    }
    return wFwd;
  }

  void forward() override {
    std::unordered_map<int, memory> a{{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_WEIGHTS, forwardWeights()}, {DNNL_ARG_DST, out->val}};
    if (b) a.emplace(DNNL_ARG_BIAS, b->w);
    fwd.execute(strm(), a);
  }

  bool trains() const override { return w->trains() || (b && b->trains()); }

  void makeWeights() {
    auto desc = [&](const memory::desc& wd) {
      return b ? convolution_backward_weights::desc(alg, srcMd, wd, biasMd, dstMd, strides, padL, padR)
               : convolution_backward_weights::desc(alg, srcMd, wd, dstMd, strides, padL, padR);
    };
    convolution_backward_weights::primitive_desc pd;
    try {  // straight into the weight's layout, so the update needs no reorder
      pd = convolution_backward_weights::primitive_desc(desc(w->w.get_desc()), eng(), fpd);
    } catch (const dnnl::error&) {
      pd = convolution_backward_weights::primitive_desc(desc(wAny), eng(), fpd);
    }
    bwdW = convolution_backward_weights(pd);
    dwReorder = !(pd.diff_weights_desc() == w->w.get_desc());
    if (dwReorder) dwOwn = memory(pd.diff_weights_desc(), eng());
    madeWeights = true;
  }

  void makeData() {
    convolution_backward_data::primitive_desc pd({alg, srcMd, wAny, dstMd, strides, padL, padR}, eng(), fpd);
    bwdData = convolution_backward_data(pd);
    wBwd = memory(pd.weights_desc(), eng());
    madeData = true;
  }

  void backward() override {
    if (relu) reluB.execute(strm(), {{DNNL_ARG_DST, out->val}, {DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_SRC, out->grad}});
    if (trains()) {
      if (!madeWeights) makeWeights();
      std::unordered_map<int, memory> a{{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_WEIGHTS, dwReorder ? dwOwn : w->g}};
      if (b) a.emplace(DNNL_ARG_DIFF_BIAS, b->g);
      bwdW.execute(strm(), a);
      if (dwReorder) reorder(dwOwn, w->g).execute(strm(), dwOwn, w->g);
    }
    if (!in[0]->needGrad) return;
    if (!madeData) makeData();
    if (wBwdVersion != w->version) {
      reorder(w->w, wBwd).execute(strm(), w->w, wBwd);
      wBwdVersion = w->version;
    }
    in[0]->deliver([&](const memory& dst) {
      bwdData.execute(strm(), {{DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_WEIGHTS, wBwd}, {DNNL_ARG_DIFF_SRC, dst}});
    });
  }

  std::string impl() const override {
    return kind + (alg == algorithm::convolution_winograd ? " (winograd) " : " ") + fpd.impl_info_str();
  }
};

// ---- BatchNorm: batch statistics while its γ trains, the moving statistics while frozen; ReLU fused ----
struct BatchNormOp : Op {
  Weight *gamma, *beta, *mean, *var;
  float eps, momentum;
  bool relu;
  normalization_flags flags;
  batch_normalization_forward::primitive_desc trainPd, frozenPd;
  batch_normalization_forward trainFwd, frozenFwd;
  batch_normalization_backward trainBwd, frozenBwd;
  bool madeTrain = false, madeFrozen = false, madeTrainBwd = false, madeFrozenBwd = false, ranTraining = false;
  memory batchMean, batchVar, ws, scratch, scratchScale, scratchShift;

  BatchNormOp(const NodeDesc& d, Tensor* x, Weight* g, Weight* bt, Weight* m, Weight* v)
      : gamma(g), beta(bt), mean(m), var(v), eps(d.epsilon), momentum(d.momentum), relu(d.relu) {
    kind = "batchnorm";
    layer = d.layer;
    in = {x};
    out = newTensor(x->dims[0], x->dims[1], x->dims[2], x->dims[3]).release();
    flags = normalization_flags::none;
    if (gamma) flags = flags | normalization_flags::use_scale;
    if (beta) flags = flags | normalization_flags::use_shift;
    if (relu) flags = flags | normalization_flags::fuse_norm_relu;
  }

  bool trains() const override { return (gamma && gamma->trains()) || (beta && beta->trains()); }

  std::unordered_map<int, memory> args(bool training) {
    std::unordered_map<int, memory> a{{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_DST, out->val},
                                      {DNNL_ARG_MEAN, training ? batchMean : mean->w}, {DNNL_ARG_VARIANCE, training ? batchVar : var->w}};
    if (gamma) a.emplace(DNNL_ARG_SCALE, gamma->w);
    if (beta) a.emplace(DNNL_ARG_SHIFT, beta->w);
    if (relu) a.emplace(DNNL_ARG_WORKSPACE, ws);
    return a;
  }

  void forward() override {
    ranTraining = trains();
    if (ranTraining) {
      if (!madeTrain) {
        trainPd = batch_normalization_forward::primitive_desc({prop_kind::forward_training, in[0]->md, eps, flags}, eng());
        trainFwd = batch_normalization_forward(trainPd);
        batchMean = memory(trainPd.mean_desc(), eng());
        batchVar = memory(trainPd.variance_desc(), eng());
        if (relu && !ws) ws = memory(trainPd.workspace_desc(), eng());
        madeTrain = true;
      }
      trainFwd.execute(strm(), args(true));
      updateMoving(mean, batchMean);
      updateMoving(var, batchVar);
    } else {
      if (!madeFrozen) {
        frozenPd = batch_normalization_forward::primitive_desc(
            {prop_kind::forward_training, in[0]->md, eps, flags | normalization_flags::use_global_stats}, eng());
        frozenFwd = batch_normalization_forward(frozenPd);
        if (relu && !ws) ws = memory(frozenPd.workspace_desc(), eng());
        madeFrozen = true;
      }
      frozenFwd.execute(strm(), args(false));
    }
  }

  // moving ← moving − (moving − batch)·(1 − momentum), in float32 (Keras's rule, as the TF.js layer does).
  void updateMoving(Weight* moving, const memory& batch) {
    float* m = ptr(moving->w);
    const float* b = ptr(batch);
    const float decay = 1.f - momentum;
    for (size_t c = 0, n = floatsIn(moving->w); c < n; c++) m[c] = m[c] - (m[c] - b[c]) * decay;
    moving->version++;
  }

  void backward() override {
    if (ranTraining) {
      if (!madeTrainBwd) {
        batch_normalization_backward::primitive_desc pd({prop_kind::backward, in[0]->md, in[0]->md, eps, flags}, eng(), trainPd);
        trainBwd = batch_normalization_backward(pd);
        madeTrainBwd = true;
      }
      auto run = [&](const memory& dst) {
        auto a = args(true);
        a.erase(DNNL_ARG_DST);
        a.emplace(DNNL_ARG_DIFF_DST, out->grad);
        a.emplace(DNNL_ARG_DIFF_SRC, dst);
        if (gamma) a.emplace(DNNL_ARG_DIFF_SCALE, gamma->g);
        if (beta) a.emplace(DNNL_ARG_DIFF_SHIFT, beta->g);
        trainBwd.execute(strm(), a);
      };
      if (in[0]->needGrad) in[0]->deliver(run);
      else {
        if (!scratch) scratch = memory(in[0]->md, eng());
        run(scratch);
      }
      return;
    }
    if (!in[0]->needGrad) return;
    if (!madeFrozenBwd) {
      // prop_kind::backward: oneDNN 2.6 has no backward_data with a scale; γ's and β's gradients go to scratch.
      batch_normalization_backward::primitive_desc pd(
          {prop_kind::backward, in[0]->md, in[0]->md, eps, flags | normalization_flags::use_global_stats}, eng(), frozenPd);
      frozenBwd = batch_normalization_backward(pd);
      if (gamma) scratchScale = memory(gamma->w.get_desc(), eng());
      if (beta) scratchShift = memory(beta->w.get_desc(), eng());
      madeFrozenBwd = true;
    }
    in[0]->deliver([&](const memory& dst) {
      auto a = args(false);
      a.erase(DNNL_ARG_DST);
      a.emplace(DNNL_ARG_DIFF_DST, out->grad);
      a.emplace(DNNL_ARG_DIFF_SRC, dst);
      if (gamma) a.emplace(DNNL_ARG_DIFF_SCALE, scratchScale);
      if (beta) a.emplace(DNNL_ARG_DIFF_SHIFT, scratchShift);
      frozenBwd.execute(strm(), a);
    });
  }
};

// ---- ReLU or ReLU6 that could not be fused ----
struct ReluOp : Op {
  eltwise_forward fwd;
  eltwise_backward bwd;
  ReluOp(const NodeDesc& d, Tensor* x) {
    kind = "relu";
    layer = d.layer;
    in = {x};
    out = newTensor(x->dims[0], x->dims[1], x->dims[2], x->dims[3]).release();
    const algorithm a = d.reluMax > 0 ? algorithm::eltwise_clip_v2 : algorithm::eltwise_relu;
    const float beta = d.reluMax > 0 ? d.reluMax : 0.f;
    eltwise_forward::primitive_desc f({prop_kind::forward_training, a, x->md, 0.f, beta}, eng());
    fwd = eltwise_forward(f);
    bwd = eltwise_backward({{a, x->md, x->md, 0.f, beta}, eng(), f});
  }
  void forward() override { fwd.execute(strm(), {{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_DST, out->val}}); }
  void backward() override {
    if (!in[0]->needGrad) return;
    in[0]->deliver([&](const memory& dst) {
      bwd.execute(strm(), {{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_SRC, dst}});
    });
  }
};

// ---- element-wise sum of two or more inputs, ReLU fused ----
struct AddOp : Op {
  std::vector<binary> adds;
  eltwise_backward reluB;
  bool relu;
  AddOp(const NodeDesc& d, std::vector<Tensor*> xs) : relu(d.relu) {
    kind = "add";
    layer = d.layer;
    in = xs;
    out = newTensor(xs[0]->dims[0], d.C, d.H, d.W).release();
    for (Tensor* x : xs)
      if (!(x->md == out->md)) throw std::runtime_error("add: inputs of different layouts");
    for (size_t i = 1; i < xs.size(); i++)
      adds.emplace_back(binary::primitive_desc({algorithm::binary_add, out->md, out->md, out->md}, reluAttr(relu && i + 1 == xs.size()), eng()));
    if (relu) reluB = reluBackwardFromDst(out->md);
  }
  void forward() override {
    for (size_t i = 0; i < adds.size(); i++)
      adds[i].execute(strm(), {{DNNL_ARG_SRC_0, i == 0 ? in[0]->val : out->val}, {DNNL_ARG_SRC_1, in[i + 1]->val}, {DNNL_ARG_DST, out->val}});
  }
  void backward() override {
    if (relu) reluB.execute(strm(), {{DNNL_ARG_DST, out->val}, {DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_SRC, out->grad}});
    for (Tensor* x : in)
      if (x->needGrad) x->deliver([&](const memory& dst) { copyMemory(out->grad, dst); });
  }
};

// ---- concatenation along channels: per-image copies when every part fills whole blocks, else oneDNN's concat ----
struct ConcatOp : Op {
  bool blockCopies = false;
  concat cat;
  std::vector<memory::dim> offsets;  // channel offset of each input
  ConcatOp(const NodeDesc& d, std::vector<Tensor*> xs) {
    kind = "concat";
    layer = d.layer;
    in = xs;
    out = newTensor(xs[0]->dims[0], d.C, d.H, d.W).release();
    memory::dim off = 0;
    bool aligned = out->md.data.format_kind == dnnl_blocked && out->md.data.format_desc.blocking.inner_nblks == 1;
    const memory::dim blk = aligned ? out->md.data.format_desc.blocking.inner_blks[0] : 1;
    for (Tensor* x : xs) {
      offsets.push_back(off);
      aligned = aligned && off % blk == 0 && x->md == activationDesc(x->dims[0], x->dims[1], x->dims[2], x->dims[3]) &&
                x->dims[1] % blk == 0 && blk > 1;
      off += x->dims[1];
    }
    if (off != d.C) throw std::runtime_error("concat: channels do not add up");
    blockCopies = aligned;
    if (!blockCopies) {
      std::vector<memory::desc> srcs;
      for (Tensor* x : xs) srcs.push_back(x->md);
      cat = concat(concat::primitive_desc(out->md, 1, srcs, eng()));
    }
  }
  memory::dim chunk(const Tensor* t) const { return t->dims[1] * t->dims[2] * t->dims[3]; }
  void forward() override {
    if (!blockCopies) {
      std::unordered_map<int, memory> a{{DNNL_ARG_DST, out->val}};
      for (size_t i = 0; i < in.size(); i++) a.emplace(DNNL_ARG_MULTIPLE_SRC + int(i), in[i]->val);
      cat.execute(strm(), a);
      return;
    }
    const memory::dim n = out->dims[0], hw = out->dims[2] * out->dims[3], outChunk = chunk(out);
    float* o = ptr(out->val);
    for (size_t i = 0; i < in.size(); i++) {
      const float* s = ptr(in[i]->val);
      const memory::dim c = chunk(in[i]), at = offsets[i] * hw;
#pragma omp parallel for schedule(static) if (n * c >= 65536)
      for (memory::dim k = 0; k < n; k++) std::memcpy(o + k * outChunk + at, s + k * c, c * sizeof(float));
    }
  }
  void backward() override {
    for (size_t i = 0; i < in.size(); i++) {
      Tensor* x = in[i];
      if (!x->needGrad) continue;
      x->deliver([&](const memory& dst) {
        if (!blockCopies) {
          memory view(out->md.submemory_desc(x->dims, {0, offsets[i], 0, 0}), eng(), out->grad.get_data_handle());
          memory to = dst;
          reorder(view, to).execute(strm(), view, to);
          return;
        }
        const memory::dim n = out->dims[0], hw = out->dims[2] * out->dims[3], outChunk = chunk(out), c = chunk(x), at = offsets[i] * hw;
        const float* g = ptr(out->grad);
        float* to = ptr(dst);
#pragma omp parallel for schedule(static) if (n * c >= 65536)
        for (memory::dim k = 0; k < n; k++) std::memcpy(to + k * c, g + k * outChunk + at, c * sizeof(float));
      });
    }
  }
};

// ---- max and average pooling (average excludes padding, as TF's 'same' does); global average pooling ----
struct PoolOp : Op {
  pooling_v2_forward::primitive_desc fpd;
  pooling_v2_forward fwd;
  pooling_v2_backward bwd;
  bool max, madeBwd = false;
  algorithm alg;
  memory::dims kernel, strides, padL, padR;
  memory ws;
  PoolOp(const char* k, const NodeDesc& d, Tensor* x, bool isMax, memory::dims kernel_, memory::dims strides_, memory::dims padL_,
         memory::dims padR_)
      : max(isMax), kernel(kernel_), strides(strides_), padL(padL_), padR(padR_) {
    kind = k;
    layer = d.layer;
    in = {x};
    out = newTensor(x->dims[0], x->dims[1], d.H, d.W).release();
    alg = max ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
    fpd = pooling_v2_forward::primitive_desc({prop_kind::forward_training, alg, x->md, out->md, strides, kernel, {0, 0}, padL, padR}, eng());
    fwd = pooling_v2_forward(fpd);
    if (max) ws = memory(fpd.workspace_desc(), eng());
  }
  void forward() override {
    std::unordered_map<int, memory> a{{DNNL_ARG_SRC, in[0]->val}, {DNNL_ARG_DST, out->val}};
    if (max) a.emplace(DNNL_ARG_WORKSPACE, ws);
    fwd.execute(strm(), a);
  }
  void backward() override {
    if (!in[0]->needGrad) return;
    if (!madeBwd) {
      bwd = pooling_v2_backward(pooling_v2_backward::primitive_desc({alg, in[0]->md, out->md, strides, kernel, {0, 0}, padL, padR}, eng(), fpd));
      madeBwd = true;
    }
    in[0]->deliver([&](const memory& dst) {
      std::unordered_map<int, memory> a{{DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_SRC, dst}};
      if (max) a.emplace(DNNL_ARG_WORKSPACE, ws);
      bwd.execute(strm(), a);
    });
  }
};

// ---- explicit zero padding (where it could not be folded into a convolution) ----
struct PadOp : Op {
  memory::dims offset;
  PadOp(const NodeDesc& d, Tensor* x) {
    kind = "pad";
    layer = d.layer;
    in = {x};
    out = newTensor(x->dims[0], x->dims[1], d.H, d.W).release();
    offset = {0, 0, d.pt, d.pl};
  }
  memory interior(const memory& m) const { return memory(out->md.submemory_desc(in[0]->dims, offset), eng(), m.get_data_handle()); }
  void forward() override {
    memory view = interior(out->val);  // the border stays zero from allocation
    reorder(in[0]->val, view).execute(strm(), in[0]->val, view);
  }
  void backward() override {
    if (!in[0]->needGrad) return;
    in[0]->deliver([&](const memory& dst) {
      memory view = interior(out->grad);
      memory to = dst;
      reorder(view, to).execute(strm(), view, to);
    });
  }
};

// ---- dense layer on [N, C] (after global pooling: plain rows in any of the engine's layouts) ----
struct DenseOp : Op {
  Weight *w, *b;
  bool relu;
  memory::dim cin, units;
  DenseOp(const NodeDesc& d, Tensor* x, Weight* w_, Weight* b_) : w(w_), b(b_), relu(d.relu) {
    kind = "dense";
    layer = d.layer;
    in = {x};
    if (x->dims[2] != 1 || x->dims[3] != 1) throw std::runtime_error("dense: the input must be [N, C]");
    cin = x->dims[1];
    units = d.C;
    out = newTensor(x->dims[0], units, 1, 1).release();
  }
  bool trains() const override { return w->trains() || (b && b->trains()); }
  void forward() override {
    const float *x = ptr(in[0]->val), *W = ptr(w->w), *B = b ? ptr(b->w) : nullptr;
    float* y = ptr(out->val);
    const memory::dim n = out->dims[0];
    for (memory::dim i = 0; i < n; i++)
      for (memory::dim j = 0; j < units; j++) {
        float s = B ? B[j] : 0.f;
        for (memory::dim c = 0; c < cin; c++) s += x[i * cin + c] * W[c * units + j];
        y[i * units + j] = relu && s < 0 ? 0.f : s;
      }
  }
  void backward() override {
    const memory::dim n = out->dims[0];
    const float *x = ptr(in[0]->val), *W = ptr(w->w), *y = ptr(out->val);
    float* dy = ptr(out->grad);
    if (relu)
      for (memory::dim k = 0; k < n * units; k++)
        if (!(y[k] > 0)) dy[k] = 0;
    if (trains()) {
      float* dW = ptr(w->g);
#pragma omp parallel for schedule(static) if (cin * units >= 4096)
      for (memory::dim c = 0; c < cin; c++)
        for (memory::dim j = 0; j < units; j++) {
          float s = 0;
          for (memory::dim i = 0; i < n; i++) s += x[i * cin + c] * dy[i * units + j];
          dW[c * units + j] = s;
        }
      if (b) {
        float* dB = ptr(b->g);
        for (memory::dim j = 0; j < units; j++) {
          float s = 0;
          for (memory::dim i = 0; i < n; i++) s += dy[i * units + j];
          dB[j] = s;
        }
      }
    }
    if (!in[0]->needGrad) return;
    in[0]->deliver([&](const memory& dst) {
      float* dx = ptr(dst);
      for (memory::dim i = 0; i < n; i++)
        for (memory::dim c = 0; c < cin; c++) {
          float s = 0;
          for (memory::dim j = 0; j < units; j++) s += dy[i * units + j] * W[c * units + j];
          dx[i * cin + c] = s;
        }
    });
  }
};

// ---- dropout on [N, C]: a new mask every step, from the layer's seed and the step count ----
struct DropoutOp : Op {
  float rate;
  uint32_t seed, calls = 0;
  std::vector<float> mask;
  DropoutOp(const NodeDesc& d, Tensor* x) : rate(d.rate), seed(d.seed) {
    kind = "dropout";
    layer = d.layer;
    in = {x};
    out = newTensor(x->dims[0], x->dims[1], x->dims[2], x->dims[3]).release();
    mask.resize(floatsIn(out->val));
  }
  void forward() override {
    std::mt19937 rng(seed + calls++);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    const float keep = 1.f / (1.f - rate);
    const float* x = ptr(in[0]->val);
    float* y = ptr(out->val);
    for (size_t i = 0; i < mask.size(); i++) {
      mask[i] = u(rng) < rate ? 0.f : keep;
      y[i] = x[i] * mask[i];
    }
  }
  void backward() override {
    if (!in[0]->needGrad) return;
    in[0]->deliver([&](const memory& dst) {
      const float* dy = ptr(out->grad);
      float* dx = ptr(dst);
      for (size_t i = 0; i < mask.size(); i++) dx[i] = dy[i] * mask[i];
    });
  }
};

}  // namespace

std::unique_ptr<Op> makeConv(const NodeDesc& d, Tensor* x, Weight* w, Weight* b, bool depthwise, bool winograd) {
  return std::make_unique<ConvOp>(d, x, w, b, depthwise, winograd);
}
std::unique_ptr<Op> makeBatchNorm(const NodeDesc& d, Tensor* x, Weight* gamma, Weight* beta, Weight* mean, Weight* var) {
  return std::make_unique<BatchNormOp>(d, x, gamma, beta, mean, var);
}
std::unique_ptr<Op> makeRelu(const NodeDesc& d, Tensor* x) { return std::make_unique<ReluOp>(d, x); }
std::unique_ptr<Op> makeAdd(const NodeDesc& d, std::vector<Tensor*> xs) { return std::make_unique<AddOp>(d, std::move(xs)); }
std::unique_ptr<Op> makeConcat(const NodeDesc& d, std::vector<Tensor*> xs) { return std::make_unique<ConcatOp>(d, std::move(xs)); }
std::unique_ptr<Op> makePool(const NodeDesc& d, Tensor* x, bool max) {
  return std::make_unique<PoolOp>(max ? "max pool" : "average pool", d, x, max, spatial(d.kh, d.kw), spatial(d.sh, d.sw),
                                  spatial(d.pt, d.pl), spatial(d.pb, d.pr));
}
std::unique_ptr<Op> makeGlobalPool(const NodeDesc& d, Tensor* x) {
  const int h = int(x->dims[2]), w = int(x->dims[3]);
  return std::make_unique<PoolOp>("global pool", d, x, false, spatial(h, w), spatial(1, 1), spatial(0, 0), spatial(0, 0));
}
std::unique_ptr<Op> makePad(const NodeDesc& d, Tensor* x) { return std::make_unique<PadOp>(d, x); }
std::unique_ptr<Op> makeDense(const NodeDesc& d, Tensor* x, Weight* w, Weight* b) { return std::make_unique<DenseOp>(d, x, w, b); }
std::unique_ptr<Op> makeDropout(const NodeDesc& d, Tensor* x) { return std::make_unique<DropoutOp>(d, x); }

}  // namespace medft::step
