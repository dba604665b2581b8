// The fastest train step an engine built on Debian's oneDNN 2.6 could run on this machine: ResNet-50, DenseNet-121
// or VGG-19 with medft's head (global average pooling + dense to 2 classes), softmax cross-entropy, Adam, the whole
// step written directly against oneDNN with every choice that favours speed and none of medft's constraints. It
// answers whether issue #7's target (1.5x Debian PyTorch) is reachable by any redesign of medft's engine, e.g. one
// whose tensors the addon owns instead of TF.js:
//   - activations stay in oneDNN's blocked layout (nChw16c) from the stem to the head: no reorders between layers;
//   - weights live in the forward convolution's layout; Adam updates them there; backward-weights writes that layout
//     directly where oneDNN accepts it; the only weight reorder left is into backward-data's layout;
//   - BatchNorm is oneDNN's jit BatchNorm with the following ReLU fused (one pass forward, one backward); ResNet's
//     residual add + ReLU one binary primitive; VGG's bias + ReLU fused into the convolution; no bias before a
//     BatchNorm; Winograd where medft would use it and oneDNN accepts it (MEDFT_WINOGRAD=0: direct only);
//   - DenseNet concatenates by copying contiguous per-image chunks (what PyTorch's torch.cat moves, no more);
//   - Adam in float32, one OpenMP/SIMD loop per tensor (medft's keeps float64 arithmetic for bit-compatibility);
//   - no framework: no tape, no dispatch, no allocation during a step.
// Topologies are torchvision's (ResNet-50 with the stride on the 3x3 convolution).
//
//   full_step MODEL SIZE BATCH STEPS     MODEL: resnet50 | densenet121 | vgg19
//     prints each step, the per-phase medians, and "FULLSTEP model=... ms=<median step> img_s=...";
//   full_step MODEL SIZE BATCH check
//     checks the backward pass: the gradient's dot product with a direction (the gradient itself, then a random one)
//     against the central difference of the loss along it, for shrinking steps (they converge until float32 noise
//     takes over; use e.g. 64 px batch 8: at tiny sizes train-mode BatchNorm over a handful of values is too rough).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Clock = std::chrono::steady_clock;

namespace {

engine eng(engine::kind::cpu, 0);
stream strm(eng);
std::mt19937 rng(0);
const bool kWinograd = !getenv("MEDFT_WINOGRAD") || std::string(getenv("MEDFT_WINOGRAD")) != "0";

// Milliseconds per phase within the current step.
std::map<std::string, double> phaseMs;
template <class F>
void timed(const char* phase, F f) {
  auto t0 = Clock::now();
  try {
    f();
  } catch (const dnnl::error&) {
    std::fprintf(stderr, "full_step: %s: ", phase);
    throw;
  }
  strm.wait();
  phaseMs[phase] += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

float* ptr(const memory& m) { return static_cast<float*>(m.get_data_handle()); }
size_t floats(const memory& m) { return m.get_desc().get_size() / sizeof(float); }
memory filled(const memory::desc& d, float v) {
  memory m(d, eng);
  std::fill_n(ptr(m), floats(m), v);
  return m;
}
memory zeros(const memory::desc& d) { return filled(d, 0.f); }
// He-normal values written in a plain layout and reordered into `d` (blocked layouts have padding).
memory heNormal(const memory::desc& plain, const memory::desc& d, float fanIn) {
  memory p(plain, eng);
  std::normal_distribution<float> nd(0.f, std::sqrt(2.f / fanIn));
  for (size_t i = 0; i < floats(p); i++) ptr(p)[i] = nd(rng);
  if (plain == d) return p;
  memory m = zeros(d);
  reorder(p, m).execute(strm, p, m);
  strm.wait();
  return m;
}

// ---- the step as two op lists: forward in order, backward in reverse construction order ----
std::vector<std::function<void()>> forwardOps, backwardOps;
void addOp(std::function<void()> fwd, std::function<void()> bwd) {
  forwardOps.push_back(std::move(fwd));
  backwardOps.push_back(std::move(bwd));
}

// ---- parameters and Adam (float32, in each parameter's own layout) ----
struct Param {
  memory w, g, m, v;
};
std::vector<Param*> params;
Param* newParam(memory w) {
  auto* p = new Param{w, zeros(w.get_desc()), zeros(w.get_desc()), zeros(w.get_desc())};
  params.push_back(p);
  return p;
}
void adamStep(int t) {
  const float b1 = 0.9f, b2 = 0.999f, lr = 1e-4f, eps = 1e-7f;
  const float c1 = 1.f / (1.f - std::pow(b1, float(t))), c2 = 1.f / (1.f - std::pow(b2, float(t)));
  for (Param* p : params) {
    float *w = ptr(p->w), *g = ptr(p->g), *m = ptr(p->m), *v = ptr(p->v);
    const long n = long(floats(p->w));
#pragma omp parallel for simd if (n >= 65536) schedule(static)
    for (long i = 0; i < n; i++) {
      const float mi = b1 * m[i] + (1 - b1) * g[i], vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
      m[i] = mi;
      v[i] = vi;
      w[i] -= lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
    }
  }
}

// ---- activations: value and gradient, nChw16c (the image: nchw, no gradient) ----
struct Act {
  memory::dims dims;  // N, C, H, W
  memory val, grad;
  memory::desc md() const { return val.get_desc(); }
  memory::dim chunk() const { return dims[1] * dims[2] * dims[3]; }  // floats per image
};
Act* newAct(memory::dim n, memory::dim c, memory::dim h, memory::dim w) {
  memory::desc d({n, c, h, w}, dt::f32, tag::nChw16c);
  return new Act{{n, c, h, w}, zeros(d), zeros(d)};
}

// Channels [off, off + src.C) of dst <- src (or += with accumulate), per image: in nChw16c with channel counts and
// offsets that are multiples of 16, one image's channel range is one contiguous run.
void copyChannels(const memory& src, memory::dim srcChunk, const memory& dst, memory::dim dstChunk, memory::dim offset,
                  memory::dim n, bool accumulate) {
  const float* s = ptr(src);
  float* d = ptr(dst);
#pragma omp parallel for schedule(static)
  for (memory::dim i = 0; i < n; i++) {
    const float* from = s + i * srcChunk;
    float* to = d + i * dstChunk + offset;
    if (accumulate)
#pragma omp simd
      for (memory::dim j = 0; j < srcChunk; j++) to[j] += from[j];
    else
      std::memcpy(to, from, srcChunk * sizeof(float));
  }
}
// Channel-range views in the other direction: dst <- channels [off, off + dst.C) of src.
void copyChannelsOut(const memory& src, memory::dim srcChunk, memory::dim offset, const memory& dst,
                     memory::dim dstChunk, memory::dim n) {
  const float* s = ptr(src);
  float* d = ptr(dst);
#pragma omp parallel for schedule(static)
  for (memory::dim i = 0; i < n; i++) std::memcpy(d + i * dstChunk, s + i * srcChunk + offset, dstChunk * sizeof(float));
}

// ---- convolution: y = conv(x) [+ bias, ReLU fused for VGG]; backward writes dL/dx into x->grad ----
Act* conv(Act* x, int oc, int k, int stride, bool biasRelu) {
  const memory::dim n = x->dims[0], ic = x->dims[1], h = x->dims[2], wd = x->dims[3];
  const memory::dim pad = (k - 1) / 2, oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
  Act* y = newAct(n, oc, oh, ow);
  const bool first = !x->grad;  // the image: no backward-data
  const memory::desc src = x->md(), dst = y->md(), anyW({oc, ic, k, k}, dt::f32, tag::any), b({oc}, dt::f32, tag::x);
  const memory::dims s{stride, stride}, p{pad, pad};
  primitive_attr attr;
  if (biasRelu) {
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
  }
  auto make = [&](algorithm alg) {
    auto fd = biasRelu ? convolution_forward::desc(prop_kind::forward_training, alg, src, anyW, b, dst, s, p, p)
                       : convolution_forward::desc(prop_kind::forward_training, alg, src, anyW, dst, s, p, p);
    convolution_forward::primitive_desc f(fd, attr, eng);
    convolution_backward_data::primitive_desc bd({alg, src, anyW, dst, s, p, p}, eng, f);
    auto bwDesc = [&](const memory::desc& w) {
      return biasRelu ? convolution_backward_weights::desc(alg, src, w, b, dst, s, p, p)
                      : convolution_backward_weights::desc(alg, src, w, dst, s, p, p);
    };
    convolution_backward_weights::primitive_desc bw(bwDesc(anyW), eng, f);
    try {  // backward-weights straight into the forward's layout, so Adam needs no reorder
      bw = convolution_backward_weights::primitive_desc(bwDesc(f.weights_desc()), eng, f);
    } catch (const dnnl::error&) {
    }
    return std::make_tuple(f, bd, bw);
  };
  const bool wino = kWinograd && k == 3 && stride == 1 && ic >= 32 && oc >= 32 && oh >= 8 && ow >= 8;
  auto [f, bd, bw] = [&] {
    if (wino) try {
        return make(algorithm::convolution_winograd);
      } catch (const dnnl::error&) {
      }
    return make(algorithm::convolution_direct);
  }();
  convolution_forward fwd(f);
  convolution_backward_data bwdData(bd);
  convolution_backward_weights bwdW(bw);
  Param* w = newParam(heNormal({{oc, ic, k, k}, dt::f32, tag::oihw}, f.weights_desc(), float(ic * k * k)));
  Param* bias = biasRelu ? newParam(zeros(b)) : nullptr;
  memory wBwd = zeros(bd.weights_desc());
  const bool dwReorder = !(bw.diff_weights_desc() == f.weights_desc());
  memory dwOwn = dwReorder ? zeros(bw.diff_weights_desc()) : memory();
  std::fprintf(stderr, "conv %4ld->%4ld k%d s%d %3ldx%-3ld fwd %-24s bwd-data %-24s bwd-w %s%s\n", long(ic), long(oc), k,
               stride, long(oh), long(ow), f.impl_info_str(), bd.impl_info_str(), bw.impl_info_str(),
               dwReorder ? " (dw reordered)" : "");
  eltwise_backward reluB;
  if (biasRelu) {
    eltwise_forward::primitive_desc hint({prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, dst, 0.f, 0.f}, eng);
    reluB = eltwise_backward({{algorithm::eltwise_relu_use_dst_for_bwd, dst, dst, 0.f, 0.f}, eng, hint});
  }
  addOp(
      [=]() mutable {
        timed("conv fwd", [&] {
          std::unordered_map<int, memory> a{{DNNL_ARG_SRC, x->val}, {DNNL_ARG_WEIGHTS, w->w}, {DNNL_ARG_DST, y->val}};
          if (bias) a.emplace(DNNL_ARG_BIAS, bias->w);
          fwd.execute(strm, a);
        });
      },
      [=]() mutable {
        if (biasRelu)
          timed("relu bwd", [&] {
            reluB.execute(strm, {{DNNL_ARG_DST, y->val}, {DNNL_ARG_DIFF_DST, y->grad}, {DNNL_ARG_DIFF_SRC, y->grad}});
          });
        timed("conv bwd-weights", [&] {
          std::unordered_map<int, memory> a{{DNNL_ARG_SRC, x->val}, {DNNL_ARG_DIFF_DST, y->grad},
                                            {DNNL_ARG_DIFF_WEIGHTS, dwReorder ? dwOwn : w->g}};
          if (bias) a.emplace(DNNL_ARG_DIFF_BIAS, bias->g);
          bwdW.execute(strm, a);
        });
        if (dwReorder) timed("weight reorders", [&] { reorder(dwOwn, w->g).execute(strm, dwOwn, w->g); });
        if (first) return;
        timed("weight reorders", [&] { reorder(w->w, wBwd).execute(strm, w->w, wBwd); });
        timed("conv bwd-data", [&] {
          bwdData.execute(strm, {{DNNL_ARG_DIFF_DST, y->grad}, {DNNL_ARG_WEIGHTS, wBwd}, {DNNL_ARG_DIFF_SRC, x->grad}});
        });
      });
  return y;
}

// ---- BatchNorm (training statistics), optionally with the following ReLU fused; backward writes x->grad ----
Act* batchNorm(Act* x, bool relu) {
  Act* y = newAct(x->dims[0], x->dims[1], x->dims[2], x->dims[3]);
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (relu) flags = flags | normalization_flags::fuse_norm_relu;
  batch_normalization_forward::primitive_desc f({prop_kind::forward_training, x->md(), 1e-5f, flags}, eng);
  batch_normalization_backward::primitive_desc b({prop_kind::backward, x->md(), x->md(), 1e-5f, flags}, eng, f);
  batch_normalization_forward fwd(f);
  batch_normalization_backward bwd(b);
  memory mean = zeros(f.mean_desc()), var = zeros(f.variance_desc()), ws = relu ? zeros(f.workspace_desc()) : memory();
  Param* scale = newParam(filled({{x->dims[1]}, dt::f32, tag::x}, 1.f));
  Param* shift = newParam(filled({{x->dims[1]}, dt::f32, tag::x}, 0.f));
  addOp(
      [=]() mutable {
        timed("batchnorm fwd", [&] {
          std::unordered_map<int, memory> a{{DNNL_ARG_SRC, x->val},  {DNNL_ARG_DST, y->val},     {DNNL_ARG_MEAN, mean},
                                            {DNNL_ARG_VARIANCE, var}, {DNNL_ARG_SCALE, scale->w}, {DNNL_ARG_SHIFT, shift->w}};
          if (relu) a.emplace(DNNL_ARG_WORKSPACE, ws);
          fwd.execute(strm, a);
        });
      },
      [=]() mutable {
        timed("batchnorm bwd", [&] {
          std::unordered_map<int, memory> a{
              {DNNL_ARG_SRC, x->val},       {DNNL_ARG_MEAN, mean},         {DNNL_ARG_VARIANCE, var},
              {DNNL_ARG_DIFF_DST, y->grad}, {DNNL_ARG_SCALE, scale->w},    {DNNL_ARG_SHIFT, shift->w},
              {DNNL_ARG_DIFF_SRC, x->grad}, {DNNL_ARG_DIFF_SCALE, scale->g}, {DNNL_ARG_DIFF_SHIFT, shift->g}};
          if (relu) a.emplace(DNNL_ARG_WORKSPACE, ws);
          bwd.execute(strm, a);
        });
      });
  return y;
}

// ---- pooling: max (3x3/2 pad 1 or 2x2/2) or average (2x2/2); backward writes x->grad ----
Act* pool(Act* x, algorithm alg, int k, int stride, int pad) {
  const memory::dim o = (x->dims[2] + 2 * pad - k) / stride + 1;
  Act* y = newAct(x->dims[0], x->dims[1], o, o);
  const memory::dims s{stride, stride}, kk{k, k}, dil{0, 0}, p{pad, pad};
  pooling_v2_forward::primitive_desc f({prop_kind::forward_training, alg, x->md(), y->md(), s, kk, dil, p, p}, eng);
  pooling_v2_backward::primitive_desc b({alg, x->md(), y->md(), s, kk, dil, p, p}, eng, f);
  pooling_v2_forward fwd(f);
  pooling_v2_backward bwd(b);
  const bool max = alg == algorithm::pooling_max;
  memory ws = max ? zeros(f.workspace_desc()) : memory();
  addOp(
      [=]() mutable {
        timed("pooling", [&] {
          std::unordered_map<int, memory> a{{DNNL_ARG_SRC, x->val}, {DNNL_ARG_DST, y->val}};
          if (max) a.emplace(DNNL_ARG_WORKSPACE, ws);
          fwd.execute(strm, a);
        });
      },
      [=]() mutable {
        timed("pooling", [&] {
          std::unordered_map<int, memory> a{{DNNL_ARG_DIFF_DST, y->grad}, {DNNL_ARG_DIFF_SRC, x->grad}};
          if (max) a.emplace(DNNL_ARG_WORKSPACE, ws);
          bwd.execute(strm, a);
        });
      });
  return y;
}

binary makeAdd(const memory::desc& md, bool relu) {
  primitive_attr attr;
  if (relu) {
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
  }
  return binary(binary::primitive_desc({algorithm::binary_add, md, md, md}, attr, eng));
}

// ---- ResNet-50 bottleneck: out = relu(bn(1x1(bn-relu(3x3/s(bn-relu(1x1(x)))))) + shortcut(x)) ----
Act* bottleneck(Act* x, int width, int stride) {
  // x feeds two branches, so each writes its own gradient and this op (last in backward) sums them into x->grad.
  Act* main = new Act{x->dims, x->val, zeros(x->md())};
  Act* shortcutIn = new Act{x->dims, x->val, zeros(x->md())};
  binary addGrads = makeAdd(x->md(), false);
  addOp([] {}, [=]() mutable {
    timed("add+relu", [&] {
      addGrads.execute(strm, {{DNNL_ARG_SRC_0, main->grad}, {DNNL_ARG_SRC_1, shortcutIn->grad}, {DNNL_ARG_DST, x->grad}});
    });
  });
  Act* a = batchNorm(conv(main, width, 1, 1, false), true);
  Act* b = batchNorm(conv(a, width, 3, stride, false), true);
  Act* c = batchNorm(conv(b, width * 4, 1, 1, false), false);
  Act* sc = shortcutIn;
  if (stride != 1 || x->dims[1] != width * 4) sc = batchNorm(conv(shortcutIn, width * 4, 1, stride, false), false);
  Act* out = newAct(c->dims[0], c->dims[1], c->dims[2], c->dims[3]);
  // Both branches receive d(sum) = relu'(out) * out.grad: c and sc share one gradient buffer.
  if (sc == shortcutIn) shortcutIn->grad = c->grad;
  else sc->grad = c->grad;
  binary addRelu = makeAdd(out->md(), true);
  eltwise_forward::primitive_desc hint({prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, out->md(), 0.f, 0.f}, eng);
  eltwise_backward reluB({{algorithm::eltwise_relu_use_dst_for_bwd, out->md(), out->md(), 0.f, 0.f}, eng, hint});
  addOp(
      [=]() mutable {
        timed("add+relu", [&] {
          addRelu.execute(strm, {{DNNL_ARG_SRC_0, c->val}, {DNNL_ARG_SRC_1, sc->val}, {DNNL_ARG_DST, out->val}});
        });
      },
      [=]() mutable {
        timed("add+relu", [&] {
          reluB.execute(strm, {{DNNL_ARG_DST, out->val}, {DNNL_ARG_DIFF_DST, out->grad}, {DNNL_ARG_DIFF_SRC, c->grad}});
        });
      });
  return out;
}

Act* resnet50(Act* image) {
  Act* x = pool(batchNorm(conv(image, 64, 7, 2, false), true), algorithm::pooling_max, 3, 2, 1);
  const int widths[4] = {64, 128, 256, 512}, counts[4] = {3, 4, 6, 3};
  for (int s = 0; s < 4; s++)
    for (int i = 0; i < counts[s]; i++) x = bottleneck(x, widths[s], i == 0 && s > 0 ? 2 : 1);
  return x;
}

// ---- DenseNet-121: blocks of (bn-relu-1x1(128)-bn-relu-3x3(32)) layers, each appending 32 channels ----
// A block's features live in one buffer of its final width; a layer copies the prefix it reads (torch.cat) and
// appends its output. Backward: a layer's input gradient is added into the prefix of the buffer's gradient, and
// its output's gradient is the buffer gradient's channel range (complete by then: later layers ran first).
Act* denseBlock(Act* in, int layers) {
  const memory::dim n = in->dims[0], c0 = in->dims[1], h = in->dims[2], w = in->dims[3], hw = h * w;
  Act* f = newAct(n, c0 + 32 * layers, h, w);
  addOp([=] { timed("concat copies", [&] { copyChannels(in->val, in->chunk(), f->val, f->chunk(), 0, n, false); }); },
        [=] { timed("concat copies", [&] { copyChannelsOut(f->grad, f->chunk(), 0, in->grad, in->chunk(), n); }); });
  for (int l = 0; l < layers; l++) {
    const memory::dim cl = c0 + 32 * l;
    Act* x = newAct(n, cl, h, w);
    addOp([=] { timed("concat copies", [&] { copyChannelsOut(f->val, f->chunk(), 0, x->val, x->chunk(), n); }); },
          [=] { timed("concat copies", [&] { copyChannels(x->grad, x->chunk(), f->grad, f->chunk(), 0, n, true); }); });
    Act* y = conv(batchNorm(conv(batchNorm(x, true), 128, 1, 1, false), true), 32, 3, 1, false);
    addOp([=] { timed("concat copies", [&] { copyChannels(y->val, y->chunk(), f->val, f->chunk(), cl * hw, n, false); }); },
          [=] { timed("concat copies", [&] { copyChannelsOut(f->grad, f->chunk(), cl * hw, y->grad, y->chunk(), n); }); });
  }
  return f;
}

Act* densenet121(Act* image) {
  Act* x = pool(batchNorm(conv(image, 64, 7, 2, false), true), algorithm::pooling_max, 3, 2, 1);
  const int layers[4] = {6, 12, 24, 16};
  for (int b = 0; b < 4; b++) {
    x = denseBlock(x, layers[b]);
    if (b < 3)
      x = pool(conv(batchNorm(x, true), int(x->dims[1] / 2), 1, 1, false), algorithm::pooling_avg_exclude_padding, 2, 2, 0);
  }
  return batchNorm(x, true);  // norm5, and the ReLU of medft's DenseNet head
}

Act* vgg19(Act* image) {
  Act* x = image;
  const int plan[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0};
  for (int c : plan) x = c ? conv(x, c, 3, 1, true) : pool(x, algorithm::pooling_max, 2, 2, 0);
  return x;
}

// ---- head: global average pooling + dense + softmax cross-entropy, by hand on a plain copy (tiny) ----
double head(Act* x, Param* dense, Param* bias, int classes, memory plain, memory dplain) {
  const memory::dim n = x->dims[0], C = x->dims[1], HW = x->dims[2] * x->dims[3];
  reorder(x->val, plain).execute(strm, x->val, plain);
  strm.wait();
  std::vector<float> feat(n * C);
  const float* a = ptr(plain);
  for (memory::dim i = 0; i < n * C; i++) {
    float s = 0;
    for (memory::dim j = 0; j < HW; j++) s += a[i * HW + j];
    feat[i] = s / HW;
  }
  const float *W = ptr(dense->w), *B = ptr(bias->w);
  float *dW = ptr(dense->g), *dB = ptr(bias->g), *d = ptr(dplain);
  std::fill_n(dW, classes * C, 0.f);
  std::fill_n(dB, classes, 0.f);
  double loss = 0;
  for (memory::dim i = 0; i < n; i++) {
    std::vector<float> g(classes);
    float mx = -1e30f, z = 0;
    for (int k = 0; k < classes; k++) {
      g[k] = B[k];
      for (memory::dim c = 0; c < C; c++) g[k] += W[k * C + c] * feat[i * C + c];
      mx = std::max(mx, g[k]);
    }
    for (int k = 0; k < classes; k++) z += std::exp(g[k] - mx);
    const int label = int(i % classes);
    loss += -(g[label] - mx - std::log(z)) / n;
    for (int k = 0; k < classes; k++) {
      g[k] = (std::exp(g[k] - mx) / z - (k == label ? 1.f : 0.f)) / n;  // dL/dlogit
      dB[k] += g[k];
      for (memory::dim c = 0; c < C; c++) dW[k * C + c] += g[k] * feat[i * C + c];
    }
    for (memory::dim c = 0; c < C; c++) {
      float s = 0;
      for (int k = 0; k < classes; k++) s += g[k] * W[k * C + c];
      for (memory::dim j = 0; j < HW; j++) d[(i * C + c) * HW + j] = s / HW;
    }
  }
  reorder(dplain, x->grad).execute(strm, dplain, x->grad);
  strm.wait();
  return loss;
}

// The backward pass against central differences of the loss along two directions over all parameters.
void checkGradients(const std::function<double()>& loss) {
  loss();
  for (size_t i = backwardOps.size(); i-- > 0;) backwardOps[i]();
  std::normal_distribution<float> nd(0.f, 1.f);
  for (const char* kind : {"gradient", "random"}) {
    std::vector<std::vector<float>> dir;
    double norm = 0, dot = 0;
    for (Param* p : params) {
      const float *g = ptr(p->g), *w = ptr(p->w);
      std::vector<float> d(floats(p->w));
      for (size_t e = 0; e < d.size(); e++) d[e] = kind[0] == 'g' ? g[e] : nd(rng) * (std::fabs(w[e]) + 1e-3f);
      for (float v : d) norm += double(v) * v;
      dir.push_back(std::move(d));
    }
    norm = std::sqrt(norm);  // steps along the unit direction
    for (size_t k = 0; k < params.size(); k++)
      for (size_t e = 0; e < dir[k].size(); e++) dot += dir[k][e] / norm * ptr(params[k]->g)[e];
    auto shift = [&](double s) {
      for (size_t k = 0; k < params.size(); k++)
        for (size_t e = 0; e < dir[k].size(); e++) ptr(params[k]->w)[e] += float(s / norm * dir[k][e]);
    };
    for (double eps : {1e-2, 3e-3, 1e-3, 3e-4}) {
      shift(eps);
      const double up = loss();
      shift(-2 * eps);
      const double down = loss();
      shift(eps);
      std::printf("%-8s direction, step %.0e: backward %+.5e, central difference %+.5e\n", kind, eps, dot,
                  (up - down) / (2 * eps));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: full_step resnet50|densenet121|vgg19 SIZE BATCH STEPS|check\n");
    return 2;
  }
  const std::string model = argv[1];
  const memory::dim size = std::atol(argv[2]), n = std::atol(argv[3]);
  const int steps = std::atoi(argv[4]), classes = 2;
  try {
    memory::desc xmd({n, 3, size, size}, dt::f32, tag::nchw);
    Act image{{n, 3, size, size}, memory(xmd, eng), memory()};
    std::normal_distribution<float> nd(0.f, 1.f);
    for (size_t i = 0; i < floats(image.val); i++) ptr(image.val)[i] = nd(rng);
    Act* last = model == "resnet50"      ? resnet50(&image)
                : model == "densenet121" ? densenet121(&image)
                : model == "vgg19"       ? vgg19(&image)
                                         : nullptr;
    if (!last) {
      std::fprintf(stderr, "full_step: unknown model '%s' (resnet50, densenet121, vgg19)\n", model.c_str());
      return 2;
    }
    const memory::dim C = last->dims[1];
    memory plain({last->dims, dt::f32, tag::nchw}, eng), dplain({last->dims, dt::f32, tag::nchw}, eng);
    Param* dense = newParam(heNormal({{classes, C}, dt::f32, tag::ab}, {{classes, C}, dt::f32, tag::ab}, float(C)));
    Param* bias = newParam(zeros({{classes}, dt::f32, tag::x}));
    size_t weights = 0;
    for (Param* p : params) weights += floats(p->w);

    if (std::string(argv[4]) == "check") {
      checkGradients([&] {
        for (auto& op : forwardOps) op();
        return head(last, dense, bias, classes, plain, dplain);
      });
      return 0;
    }
    std::vector<double> totals;
    std::map<std::string, std::vector<double>> phases;
    for (int it = 0; it < steps + 2; it++) {  // two warm-up steps
      phaseMs.clear();
      auto t0 = Clock::now();
      for (auto& op : forwardOps) op();
      double loss = 0;
      timed("head", [&] { loss = head(last, dense, bias, classes, plain, dplain); });
      for (size_t i = backwardOps.size(); i-- > 0;) backwardOps[i]();
      timed("adam", [&] { adamStep(it + 1); });
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::printf("step %d%s: %.1f ms, loss %.4f\n", it + 1, it < 2 ? " (warm-up)" : "", ms, loss);
      if (it < 2) continue;
      totals.push_back(ms);
      for (auto& [k, v] : phaseMs) phases[k].push_back(v);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    for (auto& [k, v] : phases) std::printf("  %-18s %7.1f ms\n", k.c_str(), median(v));
    const double ms = median(totals);
    std::printf("FULLSTEP model=%s size=%ld batch=%ld threads=%d winograd=%d weights=%zu ms=%.1f img_s=%.2f\n",
                model.c_str(), long(size), long(n), omp_get_max_threads(), kWinograd ? 1 : 0, weights, ms, n * 1000.0 / ms);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "full_step: oneDNN error: %s\n", e.what());
    return 1;
  }
  return 0;
}
