// Max pooling's input gradient over NHWC tensors in the wasm heap, in place, on all OpenMP threads: each window's
// gradient goes to its first maximum in scan order (rows, then columns), as on TF.js's cpu backend and in
// TensorFlow, and as medft's wasm kernel (src/engine/kernels/max-pool-grad.ts) does — same comparisons, so the
// same positions; the sums per position are in window order too, so the same bits.
// OneDNN's own pooling backward needs the forward's workspace, which TF.js's MaxPool does not keep.
#include "max_pool_grad.h"

#include <omp.h>

#include <cstring>
#include <limits>
#include <vector>

#include "heap_args.h"

// maxPoolGrad(heap, xOff, dyOff, dxOff, geom): geom as for convolutions, with OC = C and KH × KW the window.
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  if (info.Length() < 5) throw Napi::TypeError::New(info.Env(), "maxPoolGrad: 5 arguments");
  medft::Geom g = medft::readGeom(info[4]);
  if (g.OC != g.C) throw Napi::RangeError::New(info.Env(), "maxPoolGrad: output channels must equal input channels");
  medft::Heap h(info[0]);
  const float* x = static_cast<const float*>(h.at(info[1], g.xBytes(), "x"));
  const float* dy = static_cast<const float*>(h.at(info[2], g.yBytes(), "dy"));
  float* dx = static_cast<float*>(h.at(info[3], g.xBytes(), "dx"));
  const long C = g.C, H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  // Images are independent (windows never reach across them), so threads split the batch.
#pragma omp parallel
  {
    std::vector<float> best(C);
    std::vector<long> where(C);
#pragma omp for schedule(static)
    for (long n = 0; n < g.N; n++) {
      float* dxn = dx + n * H * W * C;
      std::memset(dxn, 0, sizeof(float) * H * W * C);
      for (long oh = 0; oh < OH; oh++) {
        for (long ow = 0; ow < OW; ow++) {
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(where.begin(), where.end(), -1);
          for (long kh = 0; kh < g.KH; kh++) {
            const long ih = oh * g.sH + kh * g.dH - g.pT;
            if (ih < 0 || ih >= H) continue;
            for (long kw = 0; kw < g.KW; kw++) {
              const long iw = ow * g.sW + kw * g.dW - g.pL;
              if (iw < 0 || iw >= W) continue;
              const long pixel = (ih * W + iw) * C;
              const float* xp = x + n * H * W * C + pixel;
              for (long c = 0; c < C; c++) {
                const float v = xp[c];
                if (v > best[c] || where[c] < 0) {
                  best[c] = v;
                  where[c] = pixel;
                }
              }
            }
          }
          const float* d = dy + ((n * OH + oh) * OW + ow) * C;
          for (long c = 0; c < C; c++)
            if (where[c] >= 0) dxn[where[c] + c] += d[c];
        }
      }
    }
  }
  return info.Env().Undefined();
}
