// The most oneDNN (Debian libdnnl 2.6) allows for the convolutions of one train step on this machine: every conv's
// forward + backward-data (not for the stem, whose input is the image) + backward-weights, each primitive created
// once in the layouts oneDNN prefers (format_tag::any, tensors allocated in those layouts, so no reorders are
// timed) and timed as the median of several runs after warm-up. Same for the dense head. Once with
// algorithm::convolution_direct, once trying algorithm::convolution_winograd per pass (falling back to direct
// where oneDNN refuses it). Timing one primitive repeatedly leaves its tensors warm in cache, which only flatters
// oneDNN: the totals are a lower bound on what any engine built on it spends in convolutions.
//
//   onednn_ceiling peak                          measured clock and fp32 FMA peak, 1 and 2 threads
//   onednn_ceiling SHAPES BATCH REPS WARMUP      SHAPES: lines from conv_shapes.ts
//
// The conv mode prints one line per pass kind and a final "RESULT key=value ..." line for run.sh.
#include <immintrin.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---- machine peak -------------------------------------------------------------------------------------------

// A chain of dependent 64-bit integer multiplies takes 3 cycles each on Zen 2-4 and on Intel cores since Sandy Bridge,
// and no core can skip one (an add chain can be folded at rename), so multiplies per second x 3 is the core clock.
// Returns the cycles the chain takes.
__attribute__((noinline)) static double imul_chain_cycles(long iters) {
  long x = 1, one = 1;
  for (long i = 0; i < iters; i++) {
    asm volatile(
        "imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0\n\t"
        "imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0\n\t"
        : "+r"(x)
        : "r"(one));
  }
  return 3 * 10.0 * iters + 0 * x;
}

// 12 independent accumulators cover the FMA latency on Zen 4 and Intel alike; returns FLOP done (2 per lane-FMA).
__attribute__((target("avx512f"))) static double fma512(long iters, float* sink) {
  __m512 a[12];
  for (int k = 0; k < 12; k++) a[k] = _mm512_set1_ps(1.0f + k * 1e-3f);
  const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
    for (int k = 0; k < 12; k++) a[k] = _mm512_fmadd_ps(a[k], b, c);
  }
  __m512 s = a[0];
  for (int k = 1; k < 12; k++) s = _mm512_add_ps(s, a[k]);
  float lanes[16];
  _mm512_storeu_ps(lanes, s);
  *sink = lanes[0];
  return 2.0 * 16 * 12 * iters;
}

__attribute__((target("avx2,fma"))) static double fma256(long iters, float* sink) {
  __m256 a[12];
  for (int k = 0; k < 12; k++) a[k] = _mm256_set1_ps(1.0f + k * 1e-3f);
  const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
    for (int k = 0; k < 12; k++) a[k] = _mm256_fmadd_ps(a[k], b, c);
  }
  float out[8];
  __m256 s = a[0];
  for (int k = 1; k < 12; k++) s = _mm256_add_ps(s, a[k]);
  _mm256_storeu_ps(out, s);
  *sink = out[0];
  return 2.0 * 8 * 12 * iters;
}

// Best of several tries (the machine is shared: the best try is the one least disturbed) of `threads` copies at once.
template <class F>
static double best_rate(int threads, int tries, F f) {
  double best = 0;
  for (int t = 0; t < tries; t++) {
    double total = 0;
    auto t0 = Clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += f();
    best = std::max(best, total / seconds_since(t0));
  }
  return best;
}

static int run_peak() {
  const int n = std::max(1, omp_get_max_threads());
  float sink = 0;
  for (int threads : {1, n}) {
    double ghz = best_rate(threads, 5, [] { return imul_chain_cycles(30'000'000); }) / threads / 1e9;
    double g512 = best_rate(threads, 5, [&] { return fma512(50'000'000, &sink); }) / 1e9;
    double g256 = best_rate(threads, 5, [&] { return fma256(50'000'000, &sink); }) / 1e9;
    std::printf("PEAK threads=%d clock_ghz=%.2f fma512_gflops=%.1f fma256_gflops=%.1f flop_per_cycle_per_core=%.1f\n",
                threads, ghz, g512, g256, g512 / threads / ghz);
  }
  return sink == 12345.f;  // keeps the accumulators live
}

// ---- convolutions -------------------------------------------------------------------------------------------

struct Conv {
  memory::dim ic, oc, ih, iw, kh, kw, sh, sw, pt, pl, pb, pr;
  bool first;
  memory::dim oh() const { return (ih + pt + pb - kh) / sh + 1; }
  memory::dim ow() const { return (iw + pl + pr - kw) / sw + 1; }
  double macs(memory::dim n) const { return double(n) * oh() * ow() * oc * ic * kh * kw; }
};

static memory fill(const memory::desc& d, const engine& eng) {
  memory m(d, eng);
  float* p = static_cast<float*>(m.get_data_handle());
  size_t count = d.get_size() / sizeof(float);
  for (size_t i = 0; i < count; i++) p[i] = float(int(i * 2654435761u % 2001) - 1000) * 1e-3f;
  return m;
}

struct Ms {
  double med = 0, min = 0;  // median and fastest of the timed runs: the fastest is the one least disturbed
};

static Ms time_ms(const std::function<void()>& run, stream& s, int reps, int warmup) {
  for (int i = 0; i < warmup; i++) run();
  s.wait();
  std::vector<double> t;
  for (int i = 0; i < reps; i++) {
    auto t0 = Clock::now();
    run();
    s.wait();
    t.push_back(seconds_since(t0) * 1e3);
  }
  std::sort(t.begin(), t.end());
  return {reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2, t[0]};
}

static memory::desc any(memory::dims d) { return memory::desc(d, dt::f32, tag::any); }

struct PassTimes {
  double fwd = 0, bwd_data = 0, bwd_weights = 0, min = 0;  // medians per pass kind; sum of the fastest runs
  double total() const { return fwd + bwd_data + bwd_weights; }
};

struct PassResult {
  double ms, min;
  std::string impl;
  std::function<void()> run;  // kept (with its tensors) only for the whole-step sequence
};

template <class PD, class Make>
static std::optional<PD> try_pd(Make make) {
  try {
    return make();
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

// Times one conv's three passes with `alg`; a pass oneDNN refuses for `alg` reports ms < 0.
static void time_conv(const Conv& c, memory::dim n, algorithm alg, const engine& eng, stream& s, int reps,
                      int warmup, bool keep, PassResult out[3]) {
  memory::dims src{n, c.ic, c.ih, c.iw}, wei{c.oc, c.ic, c.kh, c.kw}, dst{n, c.oc, c.oh(), c.ow()};
  memory::dims strides{c.sh, c.sw}, padl{c.pt, c.pl}, padr{c.pb, c.pr};
  for (int k = 0; k < 3; k++) out[k] = {-1, -1, ""};

  auto fpd = try_pd<convolution_forward::primitive_desc>([&] {
    return convolution_forward::primitive_desc(
        convolution_forward::desc(prop_kind::forward_training, alg, any(src), any(wei), any(dst), strides, padl, padr),
        eng);
  });
  // The backward passes need a forward hint; a direct one serves when the forward refuses `alg`.
  auto hint = fpd ? fpd : try_pd<convolution_forward::primitive_desc>([&] {
    return convolution_forward::primitive_desc(
        convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, any(src), any(wei),
                                  any(dst), strides, padl, padr),
        eng);
  });
  if (fpd) {
    convolution_forward p(*fpd);
    memory a = fill(fpd->src_desc(), eng), w = fill(fpd->weights_desc(), eng), d = fill(fpd->dst_desc(), eng);
    std::function<void()> run = [p, a, w, d, &s] {
      p.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}});
    };
    Ms t = time_ms(run, s, reps, warmup);
    out[0] = {t.med, t.min, fpd->impl_info_str(), keep ? run : nullptr};
  }
  if (!c.first) {
    auto bpd = try_pd<convolution_backward_data::primitive_desc>([&] {
      return convolution_backward_data::primitive_desc(
          convolution_backward_data::desc(alg, any(src), any(wei), any(dst), strides, padl, padr), eng, *hint);
    });
    if (bpd) {
      convolution_backward_data p(*bpd);
      memory dd = fill(bpd->diff_dst_desc(), eng), w = fill(bpd->weights_desc(), eng),
             ds = fill(bpd->diff_src_desc(), eng);
      std::function<void()> run = [p, dd, w, ds, &s] {
        p.execute(s, {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, ds}});
      };
      Ms t = time_ms(run, s, reps, warmup);
      out[1] = {t.med, t.min, bpd->impl_info_str(), keep ? run : nullptr};
    }
  } else {
    out[1] = {0, 0, "skipped", nullptr};
  }
  auto wpd = try_pd<convolution_backward_weights::primitive_desc>([&] {
    return convolution_backward_weights::primitive_desc(
        convolution_backward_weights::desc(alg, any(src), any(wei), any(dst), strides, padl, padr), eng, *hint);
  });
  if (wpd) {
    convolution_backward_weights p(*wpd);
    memory a = fill(wpd->src_desc(), eng), dd = fill(wpd->diff_dst_desc(), eng),
           dw = fill(wpd->diff_weights_desc(), eng);
    std::function<void()> run = [p, a, dd, dw, &s] {
      p.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
    };
    Ms t = time_ms(run, s, reps, warmup);
    out[2] = {t.med, t.min, wpd->impl_info_str(), keep ? run : nullptr};
  }
}

// The dense head's forward + backward-data + backward-weights (with bias), plain layouts (it is tiny).
static Ms time_dense(memory::dim n, memory::dim in, memory::dim outc, const engine& eng, stream& s, int reps,
                         int warmup) {
  memory::dims src{n, in}, wei{outc, in}, bias{outc}, dst{n, outc};
  auto fpd = inner_product_forward::primitive_desc(
      inner_product_forward::desc(prop_kind::forward_training, any(src), any(wei), any(bias), any(dst)), eng);
  auto bpd = inner_product_backward_data::primitive_desc(
      inner_product_backward_data::desc(any(src), any(wei), any(dst)), eng, fpd);
  auto wpd = inner_product_backward_weights::primitive_desc(
      inner_product_backward_weights::desc(any(src), any(wei), any(bias), any(dst)), eng, fpd);
  inner_product_forward f(fpd);
  inner_product_backward_data b(bpd);
  inner_product_backward_weights w(wpd);
  memory x = fill(fpd.src_desc(), eng), k = fill(fpd.weights_desc(), eng), bi = fill(fpd.bias_desc(), eng),
         y = fill(fpd.dst_desc(), eng), dy = fill(bpd.diff_dst_desc(), eng), dx = fill(bpd.diff_src_desc(), eng),
         dk = fill(wpd.diff_weights_desc(), eng), db = fill(wpd.diff_bias_desc(), eng);
  return time_ms([&] {
    f.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, k}, {DNNL_ARG_BIAS, bi}, {DNNL_ARG_DST, y}});
    b.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, k}, {DNNL_ARG_DIFF_SRC, dx}});
    w.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dk}, {DNNL_ARG_DIFF_BIAS, db}});
  }, s, reps, warmup);
}

static int run_convs(const char* path, memory::dim n, int reps, int warmup) {
  std::ifstream f(path);
  if (!f) {
    std::fprintf(stderr, "onednn_ceiling: cannot read shapes file %s\n", path);
    return 1;
  }
  std::vector<Conv> convs;
  std::vector<std::pair<memory::dim, memory::dim>> denses;
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string kind;
    in >> kind;
    if (kind == "conv") {
      Conv c{};
      int first = 0;
      in >> c.ic >> c.oc >> c.ih >> c.iw >> c.kh >> c.kw >> c.sh >> c.sw >> c.pt >> c.pl >> c.pb >> c.pr >> first;
      if (!in) {
        std::fprintf(stderr, "onednn_ceiling: %s: bad conv line '%s'\n", path, line.c_str());
        return 1;
      }
      c.first = first != 0;
      convs.push_back(c);
    } else if (kind == "dense") {
      memory::dim a, b;
      in >> a >> b;
      denses.push_back({a, b});
    }
  }
  if (convs.empty()) {
    std::fprintf(stderr, "onednn_ceiling: %s: no conv lines\n", path);
    return 1;
  }

  auto start = Clock::now();
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  double flop = 0;  // 2 FLOP per multiply-add, per pass run
  PassTimes direct, best;
  // The whole-step sequence keeps every pass's tensors alive at once (each pass has its own): only when they fit.
  double bytes = 0;
  for (const Conv& c : convs)
    bytes += 4.0 * 3 * 2 * (n * c.ic * c.ih * c.iw + c.oc * c.ic * c.kh * c.kw + n * c.oc * c.oh() * c.ow());
  const bool keep = bytes < 3e9;
  using Passes = std::vector<std::vector<std::function<void()>>>;  // per conv, the passes to run
  Passes seq_direct_fwd, seq_direct_bwd, seq_best_fwd, seq_best_bwd;
  int wino_convs = 0, wino_passes = 0, wino_used = 0;  // accepted: oneDNN created it; used: it was faster
  std::map<std::string, int> impls;
  for (const Conv& c : convs) {
    flop += 2 * c.macs(n) * (c.first ? 2 : 3);
    PassResult d[3], w[3];
    time_conv(c, n, algorithm::convolution_direct, eng, s, reps, warmup, keep, d);
    time_conv(c, n, algorithm::convolution_winograd, eng, s, reps, warmup, keep, w);
    bool any_wino = false, used_wino = false;
    for (Passes* q : {&seq_direct_fwd, &seq_direct_bwd, &seq_best_fwd, &seq_best_bwd}) q->emplace_back();
    double b[3];
    for (int k = 0; k < 3; k++) {
      if (d[k].ms < 0) {
        std::fprintf(stderr, "onednn_ceiling: direct conv refused (pass %d)\n", k);
        return 1;
      }
      bool use_wino = w[k].ms >= 0 && w[k].impl != "skipped" && w[k].ms < d[k].ms;
      if (w[k].ms >= 0 && w[k].impl != "skipped") {
        wino_passes++;
        any_wino = true;
      }
      used_wino |= use_wino;
      if (keep) {
        const PassResult& chosen = use_wino ? w[k] : d[k];
        if (d[k].run) (k == 0 ? seq_direct_fwd : seq_direct_bwd).back().push_back(d[k].run);
        if (chosen.run) (k == 0 ? seq_best_fwd : seq_best_bwd).back().push_back(chosen.run);
      }
      b[k] = use_wino ? w[k].ms : d[k].ms;
      impls[(use_wino ? w[k] : d[k]).impl]++;
    }
    wino_convs += any_wino;
    wino_used += used_wino;
    direct.fwd += d[0].ms, direct.bwd_data += d[1].ms, direct.bwd_weights += d[2].ms;
    direct.min += d[0].min + d[1].min + d[2].min;
    best.fwd += b[0], best.bwd_data += b[1], best.bwd_weights += b[2];
    for (int k = 0; k < 3; k++) best.min += std::min(d[k].min, w[k].ms >= 0 ? w[k].min : d[k].min);
  }
  Ms dense;
  for (auto [in, out] : denses) {
    Ms t = time_dense(n, in, out, eng, s, reps, warmup);
    dense.med += t.med, dense.min += t.min;
  }
  // One train step's convolutions in the order a step runs them: forwards first to last, then from the last conv
  // back, its backward-data then backward-weights; tensors are those of the per-pass timings (not chained).
  auto sequence = [&](Passes& fwd, Passes& bwd) {
    return time_ms([&] {
      for (auto& conv : fwd)
        for (auto& pass : conv) pass();
      for (size_t i = bwd.size(); i-- > 0;)
        for (auto& pass : bwd[i]) pass();
    }, s, std::max(3, reps / 2), 1);
  };
  Ms seq_direct{-1, -1}, seq_best{-1, -1};
  if (keep) seq_direct = sequence(seq_direct_fwd, seq_direct_bwd), seq_best = sequence(seq_best_fwd, seq_best_bwd);
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  double wall_s = seconds_since(start);

  std::printf("convs %zu, train-step conv work %.2f GFLOP (2 FLOP per multiply-add; fwd + bwd-data + bwd-weights)\n",
              convs.size(), flop / 1e9);
  std::printf("direct   ms: fwd %.1f  bwd-data %.1f  bwd-weights %.1f  total %.1f\n", direct.fwd, direct.bwd_data,
              direct.bwd_weights, direct.total());
  std::printf("best     ms: fwd %.1f  bwd-data %.1f  bwd-weights %.1f  total %.1f (winograd accepted for %d convs, "
              "%d passes; faster than direct for %d convs)\n",
              best.fwd, best.bwd_data, best.bwd_weights, best.total(), wino_convs, wino_passes, wino_used);
  for (auto& [impl, count] : impls) std::printf("  impl %-32s %d passes\n", impl.c_str(), count);
  std::printf("fastest  ms: direct %.1f  best %.1f; dense head %.2f (median) %.2f (fastest)\n", direct.min, best.min,
              dense.med, dense.min);
  if (keep)
    std::printf("sequence ms (whole step's convs back to back, median): direct %.1f  best %.1f\n", seq_direct.med,
                seq_best.med);
  else
    std::printf("sequence: not run (every pass's tensors at once would take %.1f GB)\n", bytes / 1e9);
  // cpu_share: CPU time this process got over wall time x threads; well under 1 means other work shared the cores.
  std::printf("RESULT convs=%zu gflop=%.3f direct_ms=%.2f best_ms=%.2f direct_min_ms=%.2f best_min_ms=%.2f "
              "seq_direct_ms=%.2f seq_best_ms=%.2f dense_ms=%.3f wino_convs=%d wino_passes=%d wino_used=%d direct_gflops=%.1f best_gflops=%.1f "
              "cpu_share=%.2f\n",
              convs.size(), flop / 1e9, direct.total(), best.total(), direct.min, best.min, seq_direct.med, seq_best.med,
              dense.med, wino_convs,
              wino_passes, wino_used, flop / direct.total() / 1e6, flop / best.total() / 1e6,
              cpu_s / wall_s / omp_get_max_threads());
  return 0;
}

int main(int argc, char** argv) {
  try {
    if (argc == 2 && std::string(argv[1]) == "peak") return run_peak();
    if (argc == 5) return run_convs(argv[1], std::atol(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]));
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "onednn_ceiling: oneDNN error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: onednn_ceiling peak | onednn_ceiling SHAPES BATCH REPS WARMUP\n");
  return 2;
}
