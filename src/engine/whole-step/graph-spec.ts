/**
 * The graph a native whole-step engine runs, read off a TF.js LayersModel (graph.ts): what the addon's C++
 * (native/src/step/) builds its primitives from. Plain JSON plus a list of weights; shapes are per image (H, W, C),
 * TF.js layouts (NHWC activations, conv kernels [kh, kw, in, out], depthwise [kh, kw, in, 1], dense [in, out]).
 * Fusions are decided here, not in C++: a BatchNorm, Add or Conv2D followed only by a plain ReLU carries `relu: true`
 * and the ReLU node is dropped; a ZeroPadding2D read only by convolutions is folded into their `pads`.
 */
export type Pads = [top: number, bottom: number, left: number, right: number];

export interface GraphWeight {
  /** The Keras name (`conv1_conv/kernel`), as TrainVar.key and allWeights() know it. */
  name: string;
  shape: number[];
  /** The layer that owns it. */
  layer: string;
}

interface NodeBase {
  /** The layer this node came from (for a fused node: the first layer, e.g. the BatchNorm of BN+ReLU). */
  layer: string;
  /** Indices of the nodes it reads, in the layer's input order. */
  inputs: number[];
  /** Output shape per image: [H, W, C] for feature maps, [1, 1, C] after global pooling and for dense outputs. */
  outShape: [number, number, number];
}

export type GraphNode = NodeBase &
  (
    | { op: 'input' }
    | { op: 'conv'; kernel: [number, number]; strides: [number, number]; pads: Pads; filters: number; weights: { kernel: number; bias: number | null }; relu: boolean }
    | { op: 'depthwise'; kernel: [number, number]; strides: [number, number]; pads: Pads; weights: { kernel: number; bias: number | null }; relu: boolean }
    | { op: 'batchnorm'; epsilon: number; momentum: number; weights: { gamma: number | null; beta: number | null; mean: number; variance: number }; relu: boolean }
    /** `max`: ReLU6's 6, null for a plain ReLU that could not be fused. */
    | { op: 'relu'; max: number | null }
    | { op: 'add'; relu: boolean }
    /** Along channels. */
    | { op: 'concat' }
    | { op: 'maxpool' | 'avgpool'; kernel: [number, number]; strides: [number, number]; pads: Pads }
    | { op: 'pad'; pads: Pads }
    | { op: 'gap' }
    | { op: 'dense'; units: number; weights: { kernel: number; bias: number | null }; relu: boolean }
    | { op: 'dropout'; rate: number; seed: number }
  );

export interface GraphSpec {
  /** In topological order; nodes[0] is the input. */
  nodes: GraphNode[];
  weights: GraphWeight[];
  /** The node whose output is the logits. */
  output: number;
}
