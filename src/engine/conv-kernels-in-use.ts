/**
 * The convolution kernels a wasm train step runs now, callable directly so that `medft bench --kernels` times exactly
 * them: the oneDNN addon's when the engine runs with it, else medft's pure-wasm ones, each with the formulation
 * ("path") it picks for a geometry.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { engineInfo } from './backend.ts';
import type { ConvGeometry } from './kernels/conv-geometry.ts';
import { chooseForwardPath } from './kernels/conv2d-forward.ts';
import { chooseFilterGradPath, conv2dBackpropFilterWasm } from './kernels/conv2d-backprop-filter.ts';
import { chooseInputGradPath, conv2dBackpropInputWasm } from './kernels/conv2d-backprop-input.ts';
import { conv2dBackpropFilterNative, conv2dBackpropInputNative } from './kernels/native-conv.ts';
import type { WasmBackend } from './kernels/wasm-heap.ts';
import { tryLoadOneDnn } from './native/onednn.ts';

export interface ConvKernels {
  filter(x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo;
  input(dy: TensorInfo, w: TensorInfo, g: ConvGeometry): TensorInfo;
  forwardPath(g: ConvGeometry): string;
  filterPath(g: ConvGeometry): string;
  inputPath(g: ConvGeometry): string;
}

export function convKernelsInUse(backend: WasmBackend): ConvKernels {
  const addon = engineInfo().accelerator === 'onednn' ? tryLoadOneDnn().addon : null;
  if (addon) {
    return {
      filter: (x, dy, g) => conv2dBackpropFilterNative(addon, backend, x, dy, g),
      input: (dy, w, g) => conv2dBackpropInputNative(addon, backend, dy, w, g),
      filterPath: () => 'onednn',
      inputPath: () => 'onednn',
      forwardPath: () => 'onednn',
    };
  }
  return {
    filter: (x, dy, g) => conv2dBackpropFilterWasm(backend, x, dy, g),
    input: (dy, w, g) => conv2dBackpropInputWasm(backend, dy, w, g),
    filterPath: (g) => chooseFilterGradPath(g),
    inputPath: (g) => chooseInputGradPath(g),
    forwardPath: (g) => chooseForwardPath(g),
  };
}
