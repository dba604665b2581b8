/**
 * `medft bench --kernels`: forward, filter-gradient and input-gradient GFLOP/s of every ResNet-50 conv shape on
 * the wasm backend, with each gradient's max relative error against the cpu backend.
 *
 * Fairness: every timed call gets tensors it has never seen (as in training, where weights and activations change
 * every step), so no XNNPACK operator or packed operand is reused from a previous repetition. The forward conv is
 * timed both that way ("fresh weights": medft's forward kernel as a train step runs it) and with one filter reused
 * ("cached": stock XNNPACK with its packed weights, as inference over many batches runs it).
 * With the oneDNN accelerator active the native kernels are timed (path "onednn"), else the pure-wasm ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { maxRelErr, median } from './compare.ts';
import {
  type ConvGeometry, convFlops, convKernelsInUse, engineInfo, geometryFromConvInfo, type WasmBackend,
} from '../engine/index.ts';
import { type ConvShape, resnet50ConvShapes } from './resnet50-conv-shapes.ts';

export interface KernelBenchRow {
  /** "onednn": the native addon's kernels were timed; "none": the pure-wasm ones. */
  accelerator: 'onednn' | 'none';
  kernel: 'Conv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';
  shape: string;
  imageSize: number;
  batch: number;
  /** Which formulation the kernel chose for this shape. */
  path: string;
  gflops: number;
  /** The forward conv on the same shape with fresh weights each call (the training case). */
  forwardGflops: number;
  /** The forward conv with one filter reused (XNNPACK's packed weights cached: the inference case). */
  forwardCachedGflops: number;
  /** max |wasm − cpu| / max |cpu| for this kernel, computed at batch `errBatch`; null for the forward row. */
  maxRelErr: number | null;
  errBatch: number;
  count: number;
}

export interface KernelBenchOptions {
  sizes: number[];
  batch: number;
  reps: number;
  /** Skip the cpu cross-check (it dominates the run time at 224 px). */
  checkErrors: boolean;
  onRow?: (row: KernelBenchRow) => void;
}

function geometryOf(s: ConvShape, batch: number): ConvGeometry {
  return geometryFromConvInfo(backend_util.computeConv2DInfo([batch, s.inSize, s.inSize, s.inC], [s.k, s.k, s.inC, s.outC],
    s.stride, 1, s.pad));
}

/** Median milliseconds of `run(i)` over reps calls, each on inputs made by `make(i)` outside the timed region. */
function timeCalls<T extends tf.Tensor[]>(reps: number, make: (i: number) => T, run: (inputs: T) => tf.TensorInfo): number {
  const backend = tf.backend() as unknown as WasmBackend;
  const inputs = Array.from({ length: reps + 1 }, (_, i) => make(i));
  const times: number[] = [];
  inputs.forEach((ins, i) => {
    const t0 = performance.now();
    const out = run(ins);
    const dt = performance.now() - t0;
    if (i > 0) times.push(dt); // the first call warms up code paths
    backend.disposeData(out.dataId);
  });
  inputs.flat().forEach((t) => t.dispose());
  return median(times);
}

async function cpuReference(kernel: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', s: ConvShape, g: ConvGeometry,
  x: Float32Array, w: Float32Array, dy: Float32Array): Promise<Float32Array> {
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const dyT = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
      const out = kernel === 'Conv2DBackpropFilter'
        ? tf.engine().runKernel(kernel, { x: tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]), dy: dyT },
          { strides: s.stride, pad: s.pad, dataFormat: 'NHWC', filterShape: [s.k, s.k, s.inC, s.outC] })
        : tf.engine().runKernel(kernel, { dy: dyT, filter: tf.tensor4d(w, [s.k, s.k, s.inC, s.outC]) },
          { strides: s.stride, pad: s.pad, dataFormat: 'NHWC', inputShape: [g.batch, g.inH, g.inW, g.inC] });
      return (out as tf.Tensor).dataSync() as Float32Array;
    });
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Gradients of one shape at a small batch on wasm and cpu; returns [filter error, input error]. */
async function shapeErrors(s: ConvShape, batch: number): Promise<[number, number]> {
  const g = geometryOf(s, batch);
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  const x = rnd(g.batch * g.inH * g.inW * g.inC);
  const w = rnd(s.k * s.k * s.inC * s.outC);
  const dy = rnd(g.batch * g.outH * g.outW * g.outC);
  const backend = tf.backend() as unknown as WasmBackend;
  const read = (info: tf.TensorInfo) => {
    const v = (backend as unknown as tf.KernelBackend).readSync(info.dataId) as Float32Array;
    backend.disposeData(info.dataId);
    return v.slice();
  };
  const [fg, ig] = tf.tidy(() => {
    const xT = tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]);
    const wT = tf.tensor4d(w, [s.k, s.k, s.inC, s.outC]);
    const dyT = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
    const k = convKernelsInUse(backend);
    return [read(k.filter(xT, dyT, g)), read(k.input(dyT, wT, g))];
  });
  return [
    maxRelErr(fg, await cpuReference('Conv2DBackpropFilter', s, g, x, w, dy)),
    maxRelErr(ig, await cpuReference('Conv2DBackpropInput', s, g, x, w, dy)),
  ];
}

export async function benchKernels(opts: KernelBenchOptions): Promise<KernelBenchRow[]> {
  if (tf.getBackend() !== 'wasm') throw new Error('the kernel benchmark measures the wasm backend');
  await import('@tensorflow/tfjs-backend-cpu');
  const backend = tf.backend() as unknown as WasmBackend;
  const rows: KernelBenchRow[] = [];
  const k = convKernelsInUse(backend);
  const accelerator = engineInfo().accelerator;
  for (const size of opts.sizes) {
    for (const s of resnet50ConvShapes(size)) {
      const g = geometryOf(s, opts.batch);
      const flops = convFlops(g);
      const xShape: [number, number, number, number] = [g.batch, g.inH, g.inW, g.inC];
      const wShape: [number, number, number, number] = [s.k, s.k, s.inC, s.outC];
      const dyShape: [number, number, number, number] = [g.batch, g.outH, g.outW, g.outC];
      const x = () => tf.randomUniform(xShape, -1, 1);
      const w = () => tf.randomUniform(wShape, -1, 1);
      const dy = () => tf.randomUniform(dyShape, -1, 1);
      const conv = ([xi, wi]: tf.Tensor[]) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, s.stride, s.pad);

      const fwdFresh = timeCalls(opts.reps, () => [x(), w()], conv);
      const cachedW = w();
      const fwdCached = timeCalls(opts.reps, () => [x()], ([xi]) => conv([xi, cachedW]));
      cachedW.dispose();
      const fgMs = timeCalls(opts.reps, () => [x(), dy()], ([xi, dyi]) => k.filter(xi, dyi, g));
      const igMs = timeCalls(opts.reps, () => [dy(), w()], ([dyi, wi]) => k.input(dyi, wi, g));

      const errBatch = size > 64 ? 1 : Math.min(opts.batch, 4);
      const [fgErr, igErr] = opts.checkErrors ? await shapeErrors(s, errBatch) : [NaN, NaN];
      const base = {
        accelerator, shape: s.name, imageSize: size, batch: opts.batch, count: s.count, errBatch,
        forwardGflops: flops / fwdFresh / 1e6, forwardCachedGflops: flops / fwdCached / 1e6,
      };
      const made: KernelBenchRow[] = [
        { ...base, kernel: 'Conv2D', path: k.forwardPath(g), gflops: flops / fwdFresh / 1e6, maxRelErr: null },
        { ...base, kernel: 'Conv2DBackpropFilter', path: k.filterPath(g), gflops: flops / fgMs / 1e6,
          maxRelErr: opts.checkErrors ? fgErr : null },
        { ...base, kernel: 'Conv2DBackpropInput', path: k.inputPath(g), gflops: flops / igMs / 1e6,
          maxRelErr: opts.checkErrors ? igErr : null },
      ];
      for (const r of made) {
        rows.push(r);
        opts.onRow?.(r);
      }
    }
  }
  return rows;
}
