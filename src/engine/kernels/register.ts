/**
 * Registers the gradient kernels that stock TF.js lacks, runs as naive loops, or gets wrong (MaxPoolGrad) on the
 * wasm backend, so that a train step of a CNN runs there and is right. Each kernel is checked against the cpu backend in test/engine.
 */
import {
  backend_util, Conv2DBackpropFilter, Conv2DBackpropInput, DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput, getKernel, MaxPoolGrad, registerKernel, unregisterKernel,
  type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { geometryFromConvInfo } from './conv-geometry.ts';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterWasm, depthwiseBackpropInputWasm } from './depthwise-backprop.ts';
import { maxPoolGradWasm } from './max-pool-grad.ts';
import { registerFastChannelReductions } from './channel-reductions.ts';
import type { WasmBackend } from './wasm-heap.ts';

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
    name: MaxPoolGrad,
    fn: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as ConvAttrs & { filterSize: [number, number] | number };
      const x = inputs.input;
      const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides,
        1, a.pad as 'same' | 'valid' | number, a.dimRoundingMode);
      return maxPoolGradWasm(backend, inputs.dy, x, geometryFromConvInfo(info));
    },
  },
];

export function registerWasmTrainingKernels(): void {
  registerFastChannelReductions();
  for (const k of kernels) {
    if (getKernel(k.name, 'wasm')) unregisterKernel(k.name, 'wasm');
    registerKernel({ kernelName: k.name, backendName: 'wasm', kernelFunc: k.fn as unknown as KernelFunc } as KernelConfig);
  }
}
