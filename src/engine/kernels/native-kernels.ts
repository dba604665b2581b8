/**
 * The oneDNN addon's kernels, registered over medft's wasm ones when the addon loads: forward conv (plain and fused
 * with bias + linear/relu/relu6), both conv gradients and MaxPoolGrad. A call the addon does not take keeps the wasm
 * kernel below: NCHW, other activations, PReLU, a broadcast bias, non-float32 input or an empty shape.
 */
import {
  Conv2D, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs, type Conv2DBackpropInputInputs, FusedConv2D, type FusedConv2DInputs, MaxPoolGrad,
  type MaxPoolGradAttrs, type MaxPoolGradInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../native/onednn.ts';
import { convGeometry, geometryFromConvInfo, poolInfo } from './conv-geometry.ts';
import { type ForwardConvAttrs, fusableEpilogue } from './conv2d-forward.ts';
import { conv2dBackpropFilterNative, conv2dBackpropInputNative, conv2dForwardNative } from './native-conv.ts';
import { maxPoolGradNative } from './native-max-pool-grad.ts';
import { type Present, wasmKernel, type WasmKernelConfig } from './wasm-kernel.ts';

const nhwc = (a: { dataFormat?: 'NHWC' | 'NCHW' }) => (a.dataFormat ?? 'NHWC') === 'NHWC';
const nonEmpty = (...shapes: number[][]) => shapes.every((s) => s.every((d) => d > 0));

/**
 * What the addon's forward conv needs beyond a fusable epilogue: float32 input, a bias of exactly one value per output
 * channel (the wasm GEMM epilogue only asks for rank 1), and no empty shape.
 */
function oneDnnTakesForward(inputs: FusedConv2DInputs): boolean {
  const { x, filter, bias } = inputs;
  return x.dtype === 'float32' && (!bias || bias.shape[0] === filter.shape[3]) && nonEmpty(x.shape, filter.shape);
}

export function oneDnnKernelConfigs(addon: OneDnnAddon): WasmKernelConfig[] {
  /** A geometry oneDNN refuses keeps the wasm path (said once per kernel on stderr, never silently wrong). */
  const warned = new Set<string>();
  const orWasm = (name: string, native: () => TensorInfo, wasm: () => TensorInfo | TensorInfo[]) => {
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
  const forward = (kernelName: typeof Conv2D | typeof FusedConv2D) =>
    wasmKernel<FusedConv2DInputs, ForwardConvAttrs>(kernelName, 'onednn', ({ inputs, attrs, backend }, fallback) => {
      const act = fusableEpilogue(inputs, attrs);
      if (!act || !oneDnnTakesForward(inputs)) return fallback();
      const g = convGeometry(inputs.x.shape, inputs.filter.shape, attrs, false);
      return orWasm(kernelName, () => conv2dForwardNative(addon, backend, inputs.x, inputs.filter, inputs.bias ?? null, act, g),
        fallback);
    });
  return [
    forward(Conv2D),
    forward(FusedConv2D),
    wasmKernel<Present<Conv2DBackpropFilterInputs>, Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, 'onednn',
      ({ inputs: { x, dy }, attrs, backend }, fallback) => {
        if (!nhwc(attrs) || !nonEmpty(x.shape, dy.shape)) return fallback();
        return orWasm(Conv2DBackpropFilter, () => conv2dBackpropFilterNative(addon, backend, x, dy,
          convGeometry(x.shape, attrs.filterShape, attrs, false)), fallback);
      }),
    wasmKernel<Present<MaxPoolGradInputs>, MaxPoolGradAttrs>(MaxPoolGrad, 'onednn',
      ({ inputs: { dy, input }, attrs, backend }, fallback) => {
        if (!nonEmpty(input.shape, dy.shape) || input.dtype !== 'float32') return fallback();
        return orWasm(MaxPoolGrad, () => maxPoolGradNative(addon, backend, dy, input,
          geometryFromConvInfo(poolInfo(input.shape, attrs))), fallback);
      }),
    wasmKernel<Present<Conv2DBackpropInputInputs>, Conv2DBackpropInputAttrs>(Conv2DBackpropInput, 'onednn',
      ({ inputs: { dy, filter }, attrs, backend }, fallback) => {
        if (!nhwc(attrs) || !nonEmpty(dy.shape, filter.shape)) return fallback();
        return orWasm(Conv2DBackpropInput, () => conv2dBackpropInputNative(addon, backend, dy, filter,
          convGeometry(attrs.inputShape, filter.shape, attrs, false)), fallback);
      }),
  ];
}
