// What one train step's convolutions cost in oneDNN 2.6 when driven the way medft's addon drives them
// (native/src/medft_onednn.cc, direct algorithm): activations stay NHWC, weights come as HWIO and are reordered into
// oneDNN's layout for the forward and again for backward-data, backward-weights writes oneDNN's layout and is
// reordered back to HWIO. A step runs every forward in order, then every backward-data / backward-weights from the
// last conv back; before each step a 512 MiB buffer is swept, as the optimizer and the rest of a real step evict the
// caches (with `0` as the third argument, it is not: everything stays warm). Compare with the addon's own conv time
// in `medft bench --model` (its breakdown) and with onednn_ceiling's blocked-layout, warm-cache figures.
//
//   in_step SHAPES BATCH [FLUSH=1]      SHAPES: lines from conv_shapes.ts; prints the median of 5 steps after 1
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Clock = std::chrono::steady_clock;

struct Conv {
  convolution_forward fwd;
  convolution_backward_data bwdData;
  convolution_backward_weights bwdWeights;
  bool first;  // reads only the image: no backward-data
  memory x, y, dy, dx, w, dw, wFwd, wBwd, dwBlocked;
};

static memory zeros(const memory::desc& d, const engine& eng) {
  memory m(d, eng);
  std::fill_n(static_cast<char*>(m.get_data_handle()), d.get_size(), 0);
  return m;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: in_step SHAPES BATCH [FLUSH=1]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "in_step: cannot read %s\n", argv[1]);
    return 1;
  }
  const memory::dim n = std::atol(argv[2]);
  const bool flush = argc < 4 || std::atoi(argv[3]) != 0;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::vector<Conv> convs;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string kind;
    memory::dim ic, oc, ih, iw, kh, kw, sh, sw, pt, pl, pb, pr;
    int first;
    if (!(l >> kind) || kind != "conv") continue;
    l >> ic >> oc >> ih >> iw >> kh >> kw >> sh >> sw >> pt >> pl >> pb >> pr >> first;
    const memory::dim oh = (ih + pt + pb - kh) / sh + 1, ow = (iw + pl + pr - kw) / sw + 1;
    memory::desc x({n, ic, ih, iw}, dt::f32, tag::nhwc), y({n, oc, oh, ow}, dt::f32, tag::nhwc),
        w({oc, ic, kh, kw}, dt::f32, tag::hwio), anyW({oc, ic, kh, kw}, dt::f32, tag::any);
    const memory::dims strides{sh, sw}, padL{pt, pl}, padR{pb, pr};
    convolution_forward::primitive_desc f(
        {prop_kind::forward_training, algorithm::convolution_direct, x, anyW, y, strides, padL, padR}, eng);
    convolution_backward_data::primitive_desc b({algorithm::convolution_direct, x, anyW, y, strides, padL, padR}, eng, f);
    convolution_backward_weights::primitive_desc bw({algorithm::convolution_direct, x, anyW, y, strides, padL, padR}, eng,
                                                    f);
    convs.push_back({convolution_forward(f), convolution_backward_data(b), convolution_backward_weights(bw), first != 0,
                     zeros(x, eng), zeros(y, eng), zeros(y, eng), zeros(x, eng), zeros(w, eng), zeros(w, eng),
                     zeros(f.weights_desc(), eng), zeros(b.weights_desc(), eng), zeros(bw.diff_weights_desc(), eng)});
  }
  if (convs.empty()) {
    std::fprintf(stderr, "in_step: %s has no conv lines\n", argv[1]);
    return 1;
  }
  std::vector<char> sweep(size_t(512) << 20, 1);
  std::vector<double> steps, reorders;
  for (int it = 0; it < 6; it++) {
    if (flush)
      for (size_t i = 0; i < sweep.size(); i += 64) sweep[i]++;
    double reorderMs = 0;
    auto timed = [&](auto run) {
      auto t0 = Clock::now();
      run();
      s.wait();
      reorderMs += std::chrono::duration<double>(Clock::now() - t0).count() * 1e3;
    };
    auto t0 = Clock::now();
    for (Conv& c : convs) {
      timed([&] { reorder(c.w, c.wFwd).execute(s, c.w, c.wFwd); });
      c.fwd.execute(s, {{DNNL_ARG_SRC, c.x}, {DNNL_ARG_WEIGHTS, c.wFwd}, {DNNL_ARG_DST, c.y}});
    }
    for (size_t i = convs.size(); i-- > 0;) {
      Conv& c = convs[i];
      if (!c.first) {
        timed([&] { reorder(c.w, c.wBwd).execute(s, c.w, c.wBwd); });
        c.bwdData.execute(s, {{DNNL_ARG_DIFF_DST, c.dy}, {DNNL_ARG_WEIGHTS, c.wBwd}, {DNNL_ARG_DIFF_SRC, c.dx}});
      }
      c.bwdWeights.execute(s, {{DNNL_ARG_SRC, c.x}, {DNNL_ARG_DIFF_DST, c.dy}, {DNNL_ARG_DIFF_WEIGHTS, c.dwBlocked}});
      timed([&] { reorder(c.dwBlocked, c.dw).execute(s, c.dwBlocked, c.dw); });
    }
    s.wait();
    const double ms = std::chrono::duration<double>(Clock::now() - t0).count() * 1e3;
    if (it > 0) steps.push_back(ms), reorders.push_back(reorderMs);
  }
  std::sort(steps.begin(), steps.end());
  std::sort(reorders.begin(), reorders.end());
  std::printf("INSTEP convs=%zu flush=%d step_convs_ms=%.1f of_it_weight_reorders_ms=%.1f\n", convs.size(), flush ? 1 : 0,
              steps[steps.size() / 2], reorders[reorders.size() / 2]);
  return 0;
}
