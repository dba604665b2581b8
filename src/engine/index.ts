/**
 * The engine's front door: what the rest of medft may use of it. Importing it loads TF.js and the kernels, so code
 * that must start light (the CLI's option parsing, which runs for `medft --help`, and the parents of cell processes)
 * takes the backend names from ./backend-names.ts and the engine settings from ./settings.ts, the two other doors.
 */
export {
  BACKENDS, engineBanner, engineInfo, initEngine, parseBackendName, type BackendName, type EngineInfo,
} from './backend.ts';
export { setAcceleratorThreads } from './native/onednn.ts';
export { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from './settings.ts';
export { assertTrainingFits, maxBatchEstimate, wasmHeapBytes } from './memory.ts';
export { floatsOf, tensorFromFill } from './tensor-io.ts';
export { adamUpdate, sgdUpdate } from './optimizer-update.ts';
export { batchNormTraining, type CrossReplicaSums } from './ops/batch-norm-training.ts';
export { batchNormFrozen } from './ops/batch-norm-frozen.ts';
export { simdAddInto } from './kernels/simd/heap-simd.ts';
export type { WasmBackend } from './kernels/wasm-heap.ts';
export { convFlops, geometryFromConvInfo, type ConvGeometry } from './kernels/conv-geometry.ts';
export { convKernelsInUse, type ConvKernels } from './conv-kernels-in-use.ts';
export { NativeGraphUnsupported, readGraph } from './whole-step/graph.ts';
export type { GraphNode, GraphSpec, GraphWeight, Pads } from './whole-step/graph-spec.ts';
