/**
 * Registers the gradient kernels that stock TF.js lacks, runs as naive loops, or gets wrong (MaxPoolGrad) on the
 * wasm backend, so that a train step of a CNN runs there and is right, and fast. Each kernel is checked against the
 * cpu backend in test/engine.
 */
import {
  AvgPoolGrad, backend_util, Conv2D, Conv2DBackpropFilter, FusedConv2D, Identity, Conv2DBackpropInput, DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput, getKernel, MaxPoolGrad, registerKernel, unregisterKernel,
  backend, Cast, cast, engine, getBackend, mul, registerGradient, Relu, step, util,
  type KernelConfig, type KernelFunc, type NamedAttrMap, type Tensor, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { geometryFromConvInfo } from './conv-geometry.ts';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterWasm, depthwiseBackpropInputWasm } from './depthwise-backprop.ts';
import { avgPoolGradWasm } from './avg-pool-grad.ts';
import { maxPoolGradWasm } from './max-pool-grad.ts';
import { reluGrad } from './channel-ops.ts';
import { registerCopyKernels } from './copy-kernels.ts';
import { registerFastChannelReductions } from './channel-reductions.ts';
import { chooseForwardPath, conv2dForwardGemm, type Epilogue } from './conv2d-forward.ts';
import { replaceWasmKernel } from './replace-kernel.ts';
import type { WasmBackend } from './wasm-heap.ts';
import type { OneDnnAddon } from '../native/onednn.ts';
import { conv2dBackpropFilterNative, conv2dBackpropInputNative, conv2dForwardNative } from './native-conv.ts';
import { maxPoolGradNative } from './native-max-pool-grad.ts';

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: WasmBackend };
type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
};

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean) {
  const format = backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
  return geometryFromConvInfo(backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, depthwise, format,
  ));
}

/** A pooling gradient's geometry from the forward input and the kernel's attributes. */
function poolInfo(x: TensorInfo, attrs: NamedAttrMap): backend_util.Conv2DInfo {
  const a = attrs as unknown as ConvAttrs & { filterSize: [number, number] | number };
  return backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1,
    a.pad as 'same' | 'valid' | number, a.dimRoundingMode);
}

const kernels: Array<{ name: string; fn: (args: Args) => TensorInfo }> = [
  {
    name: Conv2DBackpropFilter,
    fn: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
      return conv2dBackpropFilterWasm(backend, inputs.x, inputs.dy, convInfo(inputs.x.shape, a.filterShape, a, false));
    },
  },
  {
    name: Conv2DBackpropInput,
    fn: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
      return conv2dBackpropInputWasm(backend, inputs.dy, inputs.filter, convInfo(a.inputShape, inputs.filter.shape, a, false));
    },
  },
  {
    name: DepthwiseConv2dNativeBackpropFilter,
    fn: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
      return depthwiseBackpropFilterWasm(backend, inputs.x, inputs.dy, convInfo(inputs.x.shape, a.filterShape, a, true));
    },
  },
  {
    name: DepthwiseConv2dNativeBackpropInput,
    fn: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
      return depthwiseBackpropInputWasm(backend, inputs.dy, inputs.filter, convInfo(a.inputShape, inputs.filter.shape, a, true));
    },
  },
  {
    name: AvgPoolGrad,
    fn: ({ inputs, attrs, backend }) => {
      if (inputs.input.dtype !== 'float32') throw new Error(`AvgPoolGrad needs float32, got ${inputs.input.dtype}`);
      return avgPoolGradWasm(backend, inputs.dy, poolInfo(inputs.input, attrs));
    },
  },
  {
    name: MaxPoolGrad,
    fn: ({ inputs, attrs, backend }) => {
      return maxPoolGradWasm(backend, inputs.dy, inputs.input, geometryFromConvInfo(poolInfo(inputs.input, attrs)));
    },
  },
];

/**
 * With the oneDNN addon: forward conv (plain and fused with bias + linear/relu/relu6), both conv gradients and
 * MaxPoolGrad run natively. Anything the addon does not take (NCHW, other activations, PReLU, broadcast bias)
 * keeps the wasm path.
 */
function registerNativeKernels(addon: OneDnnAddon): void {
  /** Puts `make(current)` over the kernel registered now (medft's wasm one, kept as the fallback); idempotent. */
  const overlay = (kernelName: string, make: (current: KernelFunc) => (args: Args) => TensorInfo) => {
    const current = getKernel(kernelName, 'wasm');
    if (!current || (current as { medftNative?: boolean }).medftNative) return;
    unregisterKernel(kernelName, 'wasm');
    registerKernel({ ...current, kernelFunc: make(current.kernelFunc) as unknown as KernelFunc, medftNative: true } as KernelConfig);
  };
  const nhwc = (a: ConvAttrs) => (a.dataFormat ?? 'NHWC') === 'NHWC';
  const nonEmpty = (...shapes: number[][]) => shapes.every((s) => s.every((d) => d > 0));
  /** A geometry oneDNN refuses keeps the wasm path (said once per kernel on stderr, never silently wrong). */
  const warned = new Set<string>();
  const orWasm = (name: string, native: () => TensorInfo, wasm: () => TensorInfo): TensorInfo => {
    try {
      return native();
    } catch (e) {
      if (!warned.has(name)) {
        warned.add(name);
        process.stderr.write(`medft: oneDNN ${name} failed (${(e as Error).message}); using the wasm kernel for such calls\n`);
      }
      return wasm();
    }
  };
  for (const kernelName of [Conv2D, FusedConv2D]) {
    overlay(kernelName, (wasm) => (args) => {
      const { inputs, attrs, backend } = args;
      const a = attrs as unknown as ConvAttrs & { activation?: string };
      const act = (a.activation ?? 'linear') as Epilogue;
      const eligible = ['linear', 'relu', 'relu6'].includes(act) && !inputs.preluActivationWeights && nhwc(a) &&
        inputs.x.dtype === 'float32' &&
        (!inputs.bias || (inputs.bias.shape.length === 1 && inputs.bias.shape[0] === inputs.filter.shape[3])) &&
        nonEmpty(inputs.x.shape, inputs.filter.shape);
      const stock = () => wasm(args as never) as TensorInfo;
      if (!eligible) return stock();
      const g = convInfo(inputs.x.shape, inputs.filter.shape, a, false);
      return orWasm(kernelName, () => conv2dForwardNative(addon, backend, inputs.x, inputs.filter, inputs.bias ?? null, act, g), stock);
    });
  }
  overlay(Conv2DBackpropFilter, (wasm) => (args) => {
    const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const stock = () => wasm(args as never) as TensorInfo;
    if (!nhwc(a) || !nonEmpty(args.inputs.x.shape, args.inputs.dy.shape)) return stock();
    return orWasm(Conv2DBackpropFilter, () => conv2dBackpropFilterNative(addon, args.backend, args.inputs.x, args.inputs.dy,
      convInfo(args.inputs.x.shape, a.filterShape, a, false)), stock);
  });
  overlay(MaxPoolGrad, (wasm) => (args) => {
    const { dy, input } = args.inputs;
    const stock = () => wasm(args as never) as TensorInfo;
    if (!nonEmpty(input.shape, dy.shape) || input.dtype !== 'float32') return stock();
    return orWasm(MaxPoolGrad, () => maxPoolGradNative(addon, args.backend, dy, input,
      geometryFromConvInfo(poolInfo(input, args.attrs))), stock);
  });
  overlay(Conv2DBackpropInput, (wasm) => (args) => {
    const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const stock = () => wasm(args as never) as TensorInfo;
    if (!nhwc(a) || !nonEmpty(args.inputs.dy.shape, args.inputs.filter.shape)) return stock();
    return orWasm(Conv2DBackpropInput, () => conv2dBackpropInputNative(addon, args.backend, args.inputs.dy, args.inputs.filter,
      convInfo(a.inputShape, args.inputs.filter.shape, a, false)), stock);
  });
}

/** Filters XNNPACK has already packed (stock kernel seen them): reuse beats any re-formulation. */
const seenFilters = new WeakSet<object>();

/** Wraps the stock forward conv kernel: new filters take the cheaper GEMM formulation when it is cheaper. */
function forwardConv(kernelName: typeof Conv2D | typeof FusedConv2D): void {
  replaceWasmKernel(kernelName, (stock) => ((args: Args): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const a = attrs as unknown as ConvAttrs & { activation?: string };
    const act = (a.activation ?? 'linear') as Epilogue;
    const filter = inputs.filter;
    const eligible = ['linear', 'relu', 'relu6'].includes(act) && !inputs.preluActivationWeights &&
      (a.dataFormat ?? 'NHWC') === 'NHWC' && (!inputs.bias || inputs.bias.shape.length === 1);
    const isNew = !seenFilters.has(filter.dataId);
    seenFilters.add(filter.dataId);
    if (eligible && isNew) {
      const g = convInfo(inputs.x.shape, filter.shape, a, false);
      const path = chooseForwardPath(g);
      if (path !== 'xnnpack') return conv2dForwardGemm(backend, inputs.x, filter, inputs.bias ?? null, act, g, path);
    }
    return stock(args as never) as TensorInfo;
  }) as unknown as KernelFunc);
}

/**
 * Identity shares the input's data (a reference count), as on the cpu backend; TF.js's wasm kernel copies it. Every
 * custom-gradient op (fused conv, BatchNorm) saves its inputs for the backward pass through Identity, so the copy
 * cost a full pass over every activation per step and doubled their memory. Tensor data is never written after
 * creation (variables get new data on assign), which is what makes sharing safe.
 */
function shareIdentity(): void {
  replaceWasmKernel(Identity, (stock) => (({ inputs, backend }: Args): TensorInfo => {
    const { x } = inputs;
    if (x.dtype === 'string') return stock({ inputs, backend, attrs: {} } as never) as TensorInfo;
    return shared(backend, x);
  }) as unknown as KernelFunc);
  // A Cast to the dtype a tensor already has likewise: TF.js's Identity gradient is cast(dy, 'float32'), one copy of
  // the gradient per residual block per step (~24 ms of a ResNet-50 224 px step).
  replaceWasmKernel(Cast, (stock) => ((args: Args): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string' || x.dtype !== args.attrs.dtype) return stock(args as never) as TensorInfo;
    return shared(args.backend, x);
  }) as unknown as KernelFunc);
}

function shared(backend: WasmBackend, x: TensorInfo): TensorInfo {
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * ReLU's gradient, dy·step(x), as one pass on wasm (channel-ops.ts: native with the accelerator) instead of three TF.js kernels (Step, Cast, Multiply: three
 * passes and two temporaries); the same float32 product, so the same bits. Other backends keep TF.js's formula (the
 * gradient registry is global, so this branches on the backend in use when the gradient runs).
 */
function fuseReluGradient(): void {
  registerGradient({
    kernelName: Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as Tensor;
      return {
        x: () => getBackend() === 'wasm' && d.dtype === 'float32' && x.dtype === 'float32'
          ? engine().makeTensorFromTensorInfo(reluGrad(backend() as unknown as WasmBackend, d, x))
          : mul(d, cast(step(x), 'float32')),
      };
    },
  });
}

/** Registers medft's wasm kernels; with `accelerator` (the oneDNN addon) the convolutions run natively on top. */
export function registerWasmTrainingKernels(accelerator: OneDnnAddon | null = null): void {
  registerFastChannelReductions();
  fuseReluGradient();
  registerCopyKernels();
  shareIdentity();
  forwardConv(Conv2D);
  forwardConv(FusedConv2D);
  for (const k of kernels) replaceWasmKernel(k.name, () => k.fn as unknown as KernelFunc);
  if (accelerator) registerNativeKernels(accelerator);
}
