// sum[c] = Σ_r a[r, c] and dot[c] = Σ_r a[r, c]·b[r, c] over a [rows, C] float32 block of the wasm heap: BatchNorm's
// statistics and gradient sums, and the Sum kernel's channel sums (bias gradients). The same float64 arithmetic as
// the wasm SIMD loop it stands in for (src/engine/kernels/simd/heap-simd.wat `sumsDots`): each channel accumulates its
// rows in order, every float32 is exact in float64 and so is every product of two, and -ffp-contract=off keeps the
// add separate — so the same bits. Threads split the channels, never the rows, so the order stays the same; the
// loops are compiled per instruction set (AVX-512 adds 8 float64 lanes at a time, wasm SIMD 2).
#include "channel_sums.h"


#include <algorithm>

#include "cpu_loops.h"
#include "heap_args.h"

namespace {

// Channels [c, c + B) with their B accumulators in registers while the rows stream by. Each accumulator is one
// chain of dependent adds (the order must stay), so wide blocks keep more chains in flight: 32 channels ran ~2× faster
// than 16 on one thread.
template <int B, bool kDot>
inline __attribute__((always_inline)) void sumsBlock(const float* __restrict a, const float* __restrict b, long rows,
                                                     long C, double* __restrict sum, double* __restrict dot, long c) {
  double s[B] = {}, d[B] = {};
  for (long r = 0; r < rows; r++) {
    const float* ar = a + r * C + c;
    const float* br = kDot ? b + r * C + c : nullptr;
    for (int k = 0; k < B; k++) {
      s[k] += static_cast<double>(ar[k]);
      if (kDot) d[k] += static_cast<double>(ar[k]) * static_cast<double>(br[k]);
    }
  }
  std::copy(s, s + B, sum + c);
  if (kDot) std::copy(d, d + B, dot + c);
}

template <bool kDot>
inline __attribute__((always_inline)) void sumsRangeOf(const float* a, const float* b, long rows, long C, double* sum,
                                                       double* dot, long c0, long c1) {
  long c = c0;
  for (; c + 32 <= c1; c += 32) sumsBlock<32, kDot>(a, b, rows, C, sum, dot, c);
  for (; c + 8 <= c1; c += 8) sumsBlock<8, kDot>(a, b, rows, C, sum, dot, c);
  for (; c < c1; c++) sumsBlock<1, kDot>(a, b, rows, C, sum, dot, c);
}

MEDFT_CLONES void sumsRange(const float* a, long rows, long C, double* sum, long c0, long c1) {
  sumsRangeOf<false>(a, nullptr, rows, C, sum, nullptr, c0, c1);
}

MEDFT_CLONES void sumsDotsRange(const float* a, const float* b, long rows, long C, double* sum, double* dot, long c0,
                                long c1) {
  sumsRangeOf<true>(a, b, rows, C, sum, dot, c0, c1);
}

}  // namespace

// channelSums(heap, aOff, bOff, rows, C, sum: Float64Array(C), dot: Float64Array(C) | null)
Napi::Value ChannelSums(const Napi::CallbackInfo& info) {
  if (info.Length() < 7) throw Napi::TypeError::New(info.Env(), "channelSums: 7 arguments");
  const double rowsD = info[3].As<Napi::Number>().DoubleValue(), cD = info[4].As<Napi::Number>().DoubleValue();
  if (!(rowsD >= 1 && cD >= 1 && rowsD == static_cast<long>(rowsD) && cD == static_cast<long>(cD)))
    throw Napi::RangeError::New(info.Env(), "channelSums: rows and C must be positive integers");
  const long rows = static_cast<long>(rowsD), C = static_cast<long>(cD);
  medft::Heap h(info[0]);
  const size_t bytes = size_t(rows) * size_t(C) * 4;
  const float* a = static_cast<const float*>(h.at(info[1], bytes, "a"));
  const bool withDot = !info[6].IsNull();
  const float* b = withDot ? static_cast<const float*>(h.at(info[2], bytes, "b")) : nullptr;
  double* sum = medft::typedArray<double>(info, 5, C, "channelSums: sum");
  double* dot = withDot ? medft::typedArray<double>(info, 6, C, "channelSums: dot") : nullptr;
  // Contiguous channel ranges in whole blocks of 8, never rows: each channel's order of adds stays that of one loop.
  medft::parallelRanges(C, rows, 8, [&](long c0, long c1) {
    if (dot) sumsDotsRange(a, b, rows, C, sum, dot, c0, c1);
    else sumsRange(a, rows, C, sum, c0, c1);
  });
  return info.Env().Undefined();
}
