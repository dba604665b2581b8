// Element-wise passes over [rows, C] float32 blocks of the wasm heap, with per-channel float32 vectors: BatchNorm's
// forward y = x·A + B and input gradient dx = (dy·A + x·B) + K, and ReLU's gradient dy·step(x). The float32
// operations and their order are those of the wasm SIMD loops they stand in for (src/engine/kernels/simd/heap-simd.wat
// `affine`, `bnBackward`, `reluGrad`), with -ffp-contract=off (no fused multiply-add), so the same bits. Rows are split
// over the OpenMP threads; each pass is compiled per instruction set.
#include "channel_passes.h"


#include "cpu_loops.h"
#include "heap_args.h"

namespace {

MEDFT_CLONES void affineRows(const float* __restrict x, float* __restrict out, long r0, long r1, long C,
                             const float* __restrict A, const float* __restrict B) {
  for (long r = r0; r < r1; r++)
    for (long c = 0; c < C; c++) out[r * C + c] = x[r * C + c] * A[c] + B[c];
}

MEDFT_CLONES void bnBackwardRows(const float* __restrict dy, const float* __restrict x, float* __restrict out, long r0,
                                 long r1, long C, const float* __restrict A, const float* __restrict B,
                                 const float* __restrict K) {
  for (long r = r0; r < r1; r++)
    for (long c = 0; c < C; c++) out[r * C + c] = (dy[r * C + c] * A[c] + x[r * C + c] * B[c]) + K[c];
}

// step(x) = 1 for x > 0, x itself for NaN (so NaN), else 0: TF.js's mul(dy, cast(step(x))) bit for bit.
MEDFT_CLONES void reluGradRange(const float* __restrict dy, const float* __restrict x, float* __restrict out, long i0,
                                long i1) {
  for (long i = i0; i < i1; i++) {
    const float v = x[i];
    out[i] = dy[i] * (v > 0.f ? 1.f : (v != v ? v : 0.f));
  }
}

}  // namespace

// channelAffine(heap, xOff, outOff, rows, C, A, B)
Napi::Value ChannelAffine(const Napi::CallbackInfo& info) {
  if (info.Length() < 7) throw Napi::TypeError::New(info.Env(), "channelAffine: 7 arguments");
  const long rows = medft::positiveInt(info, 3, "channelAffine: rows"), C = medft::positiveInt(info, 4, "channelAffine: C");
  medft::Heap h(info[0]);
  const size_t bytes = size_t(rows) * size_t(C) * 4;
  const float* x = static_cast<const float*>(h.at(info[1], bytes, "x"));
  float* out = static_cast<float*>(h.at(info[2], bytes, "out"));
  const float* A = medft::typedArray<float>(info, 5, C, "channelAffine: A");
  const float* B = medft::typedArray<float>(info, 6, C, "channelAffine: B");
  medft::parallelRanges(rows, C, 1, [&](long r0, long r1) { affineRows(x, out, r0, r1, C, A, B); });
  return info.Env().Undefined();
}

// batchNormBackward(heap, dyOff, xOff, outOff, rows, C, A, B, K)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  if (info.Length() < 9) throw Napi::TypeError::New(info.Env(), "batchNormBackward: 9 arguments");
  const long rows = medft::positiveInt(info, 4, "batchNormBackward: rows"), C = medft::positiveInt(info, 5, "batchNormBackward: C");
  medft::Heap h(info[0]);
  const size_t bytes = size_t(rows) * size_t(C) * 4;
  const float* dy = static_cast<const float*>(h.at(info[1], bytes, "dy"));
  const float* x = static_cast<const float*>(h.at(info[2], bytes, "x"));
  float* out = static_cast<float*>(h.at(info[3], bytes, "out"));
  const float* A = medft::typedArray<float>(info, 6, C, "batchNormBackward: A");
  const float* B = medft::typedArray<float>(info, 7, C, "batchNormBackward: B");
  const float* K = medft::typedArray<float>(info, 8, C, "batchNormBackward: K");
  medft::parallelRanges(rows, C, 1, [&](long r0, long r1) { bnBackwardRows(dy, x, out, r0, r1, C, A, B, K); });
  return info.Env().Undefined();
}

// reluGrad(heap, dyOff, xOff, outOff, n)
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  if (info.Length() < 5) throw Napi::TypeError::New(info.Env(), "reluGrad: 5 arguments");
  const long n = medft::positiveInt(info, 4, "reluGrad: n");
  medft::Heap h(info[0]);
  const size_t bytes = size_t(n) * 4;
  const float* dy = static_cast<const float*>(h.at(info[1], bytes, "dy"));
  const float* x = static_cast<const float*>(h.at(info[2], bytes, "x"));
  float* out = static_cast<float*>(h.at(info[3], bytes, "out"));
  medft::parallelRanges(n, 1, 16, [&](long i0, long i1) { reluGradRange(dy, x, out, i0, i1); });
  return info.Env().Undefined();
}
