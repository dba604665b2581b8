/**
 * The one shape every data source turns into. A Dataset knows its labels (and groups, and any official split) without
 * decoding a single image, so splitting and class weighting are cheap; pixels are decoded one sample at a time, on
 * demand, by `load`.
 */
export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** What a dataset path may be (openDataset's `kind`); here, apart from open.ts, so the CLI lists them cheaply. */
export const DATASET_KINDS = ['auto', 'medmnist', 'npz', 'folder', 'csv', 'dicom'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export type SourceKind = 'npz' | 'folder' | 'csv' | 'dicom';

export type Task = 'binary-class' | 'multi-class' | 'multi-label, binary-class' | 'ordinal-regression';

/** One decoded image, before any resizing. Values lie in [0, maxValue]; rows top to bottom, channels interleaved. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped on decode. */
  channels: 1 | 3;
  /** Bits per sample in the source (8, 16; DICOM: BitsStored). */
  bitDepth: number;
  data: Uint8Array | Uint16Array | Float32Array;
  /** The value that means full white: 255 for 8-bit, 65535 for 16-bit, 255 for DICOM after windowing. */
  maxValue: number;
  /** Container format the pixels came from. */
  format: ImageFormat;
}

export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'tiff' | 'webp' | 'gif' | 'dicom' | 'npy';

/** A file that could not be used, and why; kept so a run with skipBad can list them in its record. */
export interface BadFile {
  file: string;
  problem: string;
}

export interface Dataset {
  /** Short name: the MedMNIST name, or the folder / CSV file's base name. */
  readonly name: string;
  readonly kind: SourceKind;
  /** Absolute path of the npz, folder or CSV. */
  readonly source: string;
  readonly classNames: readonly string[];
  readonly task: Task;
  /** Number of samples. */
  readonly size: number;
  /**
   * Single-label tasks: one class index per sample (length = size). Multi-label tasks: size × classNames.length 0/1
   * flags, row-major; see `labelWidth`.
   */
  readonly labels: Int32Array;
  /** 1 for single-label tasks, the number of classes for multi-label tasks. */
  readonly labelWidth: number;
  /** Patient / group id per sample when the source has one (CSV group column). */
  readonly groups?: readonly string[];
  /** Split each sample belongs to when the source defines splits (npz keys, split folders, CSV split column). */
  readonly officialSplit?: readonly SplitName[];
  /** Channels every image has (1 or 3), when known without decoding (npz) or after a verify scan. */
  readonly channels?: 1 | 3;
  /** Width × height when every image has the same size and that is known without decoding (npz). */
  readonly imageSize?: { width: number; height: number };
  /** Files dropped because the user asked to skip bad files, and problems found later while streaming. */
  readonly skipped: BadFile[];
  /** A stable id for sample i: its path relative to the source, or `train[12]` for npz arrays. */
  sampleId(i: number): string;
  /** Decodes sample i. Throws InputError naming the file when it cannot be decoded. */
  load(i: number): Promise<DecodedImage>;
  /** The bytes that identify sample i's content for the resized-image cache (file path), or null when not cacheable. */
  filePath(i: number): string | null;
  /** Releases file handles. */
  close(): Promise<void>;
}

/** Options every source accepts. */
export interface OpenOptions {
  /** Skip undecodable / non-image / missing files instead of failing; they are listed in `dataset.skipped`. */
  skipBad?: boolean;
  /** Decode every image while opening: finds truncated files and mixed channel counts before training starts. */
  verify?: boolean;
  /** Called while verifying: done, total. */
  onProgress?: (done: number, total: number) => void;
  /** Force every image to this many channels (grey → RGB by copying, RGB → grey by luminance). Default: as stored. */
  channels?: 1 | 3;
}
