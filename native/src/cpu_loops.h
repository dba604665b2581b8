// What medft's own element-wise loops share (optimizer updates, BatchNorm's and ReLU's passes, channel sums).
#pragma once
#include <omp.h>

#include <algorithm>

namespace medft {

// Compiles a loop once per instruction set; the addon picks the best when it loads (AVX-512, AVX2, plain x86-64).
#define MEDFT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

// Below this many floats a loop runs on the calling thread alone: waking the other OpenMP threads (they may be asleep
// between calls, src/engine/native/onednn.ts) costs ~100 µs here, the time of ~100 k elements.
constexpr long kParallelFrom = 1 << 16;

// Runs body(begin, end) over items [0, n), one contiguous range per OpenMP thread with boundaries at multiples of
// `align` items, or on the calling thread alone when the n · floatsPerItem floats are fewer than kParallelFrom.
template <class F>
void parallelRanges(long n, long floatsPerItem, long align, F body) {
#pragma omp parallel if (n * floatsPerItem >= kParallelFrom)
  {
    const long t = omp_get_thread_num(), nt = omp_get_num_threads();
    const long per = ((n + nt - 1) / nt + align - 1) / align * align;
    const long begin = std::min(n, t * per), end = std::min(n, begin + per);
    if (begin < end) body(begin, end);
  }
}

}  // namespace medft
