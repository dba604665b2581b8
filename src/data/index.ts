/** The data layer's public API: what train/, experiment/ and cli/ import. */
export type { Dataset, DecodedImage, BadFile, SplitName, SourceKind, Task, OpenOptions } from './types.ts';
export { SPLIT_NAMES } from './types.ts';
export type { PreprocessSpec } from './preprocess-spec.ts';
export { CAFFE_SPEC, TORCH_SPEC, TF_SPEC } from './preprocess-spec.ts';
export { openDataset, detectKind, DATASET_KINDS, type DatasetKind, type OpenDatasetOptions } from './open.ts';
export { openNpz, type NpzDataset } from './npz-source.ts';
export { openImageFolder } from './image-folder.ts';
export { openCsvManifest, type CsvOptions } from './csv-manifest.ts';
export { MEDMNIST, medmnistInfo, resolveMedmnist, checkMedmnistMd5, md5File, medmnistUrl, type MedmnistInfo, type MedmnistSize } from './medmnist.ts';
export { makeSplits, classCounts, classWeights, splitRecord, DEFAULT_RATIOS, type Splits, type SplitOptions, type SplitRatios, type SplitRecord } from './splits.ts';
export { batches, batchCount, epochOrder, type Batch, type BatchOptions } from './batches.ts';
export { preprocess, resizeToSquare, DEFAULT_AUGMENT, type AugmentOptions, type IntensityMode } from './preprocess.ts';
export { ResizedCache, resizedCacheDir } from './cache.ts';
export { inspectDataset, type InspectReport } from './inspect.ts';
export { decodeImageFile } from './decode.ts';
