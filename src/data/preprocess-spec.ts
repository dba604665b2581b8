/**
 * How a model wants its input: the data layer resizes to `inputSize`, orders channels and normalises with these
 * numbers; the models layer owns the values for each backbone and imports this type.
 */
export interface PreprocessSpec {
  inputSize: number;            // square side in pixels the model expects
  channelOrder: 'RGB' | 'BGR';
  /** per-channel, in the channel order above, applied as (x*scale - mean) / std on 0..255 values */
  scale: number; mean: [number, number, number]; std: [number, number, number];
}

/** Caffe-style (Keras ResNet-50, VGG-19): BGR, mean subtraction on 0..255. */
export const CAFFE_SPEC: PreprocessSpec = {
  inputSize: 224, channelOrder: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1],
};

/** Torch-style (Keras DenseNet-121): RGB, 0..1 then ImageNet mean/std. */
export const TORCH_SPEC: PreprocessSpec = {
  inputSize: 224, channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
};

/** TF-style (MobileNet): RGB scaled to [-1, 1]. */
export const TF_SPEC: PreprocessSpec = {
  inputSize: 224, channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1],
};
