// The machine's measured fp32 peak for issue #20's closing note: oneDNN's sgemm on square matrices (the fastest
// fp32 kernel it has), all OpenMP threads, best of several calls. Build and run: scripts/native-engine/fp32-peak.sh
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main() {
  const dnnl_dim_t n = 2048;
  std::vector<float> a(n * n, 1.f), b(n * n, 0.5f), c(n * n, 0.f);
  double best = 0;
  for (int i = 0; i < 8; i++) {
    auto t0 = std::chrono::steady_clock::now();
    dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * n * n * n / s / 1e9);
  }
  std::printf("FP32PEAK threads=%d sgemm %ldx%ld: %.1f GFLOP/s (best of 8)\n", omp_get_max_threads(), long(n), long(n), best);
}
