/**
 * Reads a TF.js LayersModel into the GraphSpec a native whole-step engine runs (graph-spec.ts), or declines with
 * NativeGraphUnsupported so that the caller trains on TF.js instead. Layers are read in `model.layers` order, which
 * tfjs-layers keeps topological; every shape computed here is checked against the layer's own `outputShape`.
 * Fusions are decided here, after reading: BatchNorm/Add/linear conv + a lone plain ReLU, ZeroPadding2D into the
 * 'valid' convolutions that read it.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphNode, GraphSpec, GraphWeight, Pads } from './graph-spec.ts';

/** The model has a layer (or a wiring) the native engine has no counterpart for; `reason` names it. */
export class NativeGraphUnsupported extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`the native engine cannot run this model: ${reason}`);
    this.name = 'NativeGraphUnsupported';
    this.reason = reason;
  }
}

type Shape = [number, number, number];
/** A node as a reader returns it: the walk fills in `layer` and `inputs`. */
type NodeOp = GraphNode extends infer N ? (N extends GraphNode ? Omit<N, 'layer' | 'inputs'> : never) : never;

/** The parts of tfjs-layers' SymbolicTensor, Node and Container that the public typings leave out. */
interface TensorLike { id: number; shape: (number | null)[] }
interface NodeLike { inputTensors: TensorLike[]; outputTensors: TensorLike[] }

/** What a reader sees of one layer. */
interface LayerView {
  name: string;
  cls: string;
  cfg: Record<string, unknown>;
  /** Per-image shapes of the inputs ([1, 1, C] for a rank-2 tensor) and their ranks with the batch axis. */
  inShapes: Shape[];
  inRanks: number[];
  /** Index in GraphSpec.weights of the layer's variable held in field `field` (null when the layer has none). */
  weight(field: string): number | null;
}

/** A reader's answer: a node, or ALIAS for a layer that computes nothing here (its readers read its input). */
const ALIAS = Symbol('alias');
type Reader = (l: LayerView) => NodeOp | typeof ALIAS;

function decline(l: { name: string; cls: string }, why: string): never {
  throw new NativeGraphUnsupported(`layer '${l.name}' (${l.cls}) ${why}`);
}

/** TF's output size and padding of one spatial dimension. */
function window(inSize: number, k: number, s: number, padding: unknown): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / s) + 1, before: 0, after: 0 };
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + k - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** Kernel, strides, pads and output size of a 2-D window op ('same' or 'valid', channels last, no dilation). */
function windowed(l: LayerView, kernel: unknown, strides: unknown): { kernel: [number, number]; strides: [number, number]; pads: Pads; hw: [number, number] } {
  const { cfg } = l;
  if (cfg.dataFormat !== 'channelsLast') decline(l, `has data format ${String(cfg.dataFormat)} (only channelsLast)`);
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') decline(l, `has padding '${String(cfg.padding)}'`);
  const dilation = (cfg.dilationRate ?? [1, 1]) as number[];
  if (dilation.some((d) => d !== 1)) decline(l, `has dilation ${JSON.stringify(dilation)} (only 1)`);
  if (l.inRanks[0] !== 4) decline(l, `reads a rank-${l.inRanks[0]} tensor (only NHWC feature maps)`);
  const [kh, kw] = kernel as [number, number];
  const [sh, sw] = strides as [number, number];
  const [H, W] = l.inShapes[0];
  const y = window(H, kh, sh, cfg.padding);
  const x = window(W, kw, sw, cfg.padding);
  return { kernel: [kh, kw], strides: [sh, sw], pads: [y.before, y.after, x.before, x.after], hw: [y.out, x.out] };
}

/** Whether a layer's activation is ReLU (true) or none (false); any other declines. */
function reluActivation(l: LayerView): boolean {
  const a = l.cfg.activation;
  if (a === 'linear') return false;
  if (a === 'relu') return true;
  return decline(l, `has activation '${String(a)}' (only linear or relu)`);
}

/** Whether the layer normalises, concatenates, … along the channel axis of its (first) input. */
function lastAxis(l: LayerView, axis: unknown): boolean {
  return axis === -1 || axis === l.inRanks[0] - 1;
}

/** [C] and [1, 1, C] are the same bytes per image: reshaping between them is free. */
function isVector(shape: (number | null)[]): boolean {
  return shape.slice(1, -1).every((d) => d === 1);
}

const READERS: Record<string, Reader> = {
  Conv2D(l) {
    const { hw, ...geometry } = windowed(l, l.cfg.kernelSize, l.cfg.strides);
    const filters = l.cfg.filters as number;
    const weights = { kernel: l.weight('kernel')!, bias: l.weight('bias') };
    return { op: 'conv', ...geometry, filters, weights, relu: reluActivation(l), outShape: [...hw, filters] };
  },
  DepthwiseConv2D(l) {
    if (l.cfg.depthMultiplier !== 1) decline(l, `has depth multiplier ${String(l.cfg.depthMultiplier)} (only 1)`);
    const { hw, ...geometry } = windowed(l, l.cfg.kernelSize, l.cfg.strides);
    const weights = { kernel: l.weight('depthwiseKernel')!, bias: l.weight('bias') };
    return { op: 'depthwise', ...geometry, weights, relu: reluActivation(l), outShape: [...hw, l.inShapes[0][2]] };
  },
  BatchNormalization(l) {
    if (!lastAxis(l, l.cfg.axis)) decline(l, `normalises axis ${String(l.cfg.axis)} (only the channel axis, -1)`);
    const weights = { gamma: l.weight('gamma'), beta: l.weight('beta'), mean: l.weight('movingMean')!, variance: l.weight('movingVariance')! };
    return { op: 'batchnorm', epsilon: l.cfg.epsilon as number, momentum: l.cfg.momentum as number, weights, relu: false, outShape: l.inShapes[0] };
  },
  Activation(l) {
    if (l.cfg.activation === 'linear') return ALIAS;
    if (l.cfg.activation === 'relu') return { op: 'relu', max: null, outShape: l.inShapes[0] };
    return decline(l, `has activation '${String(l.cfg.activation)}' (only relu or linear)`);
  },
  ReLU(l) {
    const max = l.cfg.maxValue;
    return { op: 'relu', max: max == null ? null : (max as number), outShape: l.inShapes[0] };
  },
  Add(l) {
    if (l.inShapes.length < 2) decline(l, `adds ${l.inShapes.length} input`);
    const s = l.inShapes[0];
    if (l.inShapes.some((t) => t.join() !== s.join())) decline(l, `broadcasts (input shapes ${JSON.stringify(l.inShapes)})`);
    return { op: 'add', relu: false, outShape: s };
  },
  Concatenate(l) {
    if (!lastAxis(l, l.cfg.axis) || l.inRanks.some((r) => r !== l.inRanks[0])) decline(l, `concatenates along axis ${String(l.cfg.axis)} (only channels, -1)`);
    const [H, W] = l.inShapes[0];
    if (l.inShapes.some(([h, w]) => h !== H || w !== W)) decline(l, `concatenates maps of different sizes ${JSON.stringify(l.inShapes)}`);
    return { op: 'concat', outShape: [H, W, l.inShapes.reduce((c, s) => c + s[2], 0)] };
  },
  MaxPooling2D: (l) => pool(l, 'maxpool'),
  AveragePooling2D: (l) => pool(l, 'avgpool'),
  ZeroPadding2D(l) {
    if (l.cfg.dataFormat !== 'channelsLast') decline(l, `has data format ${String(l.cfg.dataFormat)} (only channelsLast)`);
    const [[top, bottom], [left, right]] = l.cfg.padding as [[number, number], [number, number]];
    const [H, W, C] = l.inShapes[0];
    return { op: 'pad', pads: [top, bottom, left, right], outShape: [H + top + bottom, W + left + right, C] };
  },
  GlobalAveragePooling2D(l) {
    if (l.cfg.dataFormat !== 'channelsLast' || l.inRanks[0] !== 4 || l.cfg.keepDims) decline(l, 'is not a channels-last pooling of a feature map to [C]');
    return { op: 'gap', outShape: [1, 1, l.inShapes[0][2]] };
  },
  Dense(l) {
    if (l.inRanks[0] !== 2) decline(l, `reads a rank-${l.inRanks[0]} tensor (only [batch, C], e.g. after global pooling)`);
    const units = l.cfg.units as number;
    return { op: 'dense', units, weights: { kernel: l.weight('kernel')!, bias: l.weight('bias') }, relu: reluActivation(l), outShape: [1, 1, units] };
  },
  Dropout(l) {
    if (l.cfg.noiseShape != null) decline(l, 'has a noise shape');
    return { op: 'dropout', rate: l.cfg.rate as number, seed: (l.cfg.seed as number | undefined) ?? 0, outShape: l.inShapes[0] };
  },
};

function pool(l: LayerView, op: 'maxpool' | 'avgpool'): NodeOp {
  const { hw, ...geometry } = windowed(l, l.cfg.poolSize, l.cfg.strides);
  return { op, ...geometry, outShape: [...hw, l.inShapes[0][2]] };
}

/** Flatten or Reshape: free between [C] and [1, 1, C] (MobileNet's Keras top), declined otherwise. */
function reshapeIsFree(inShape: (number | null)[], outShape: (number | null)[]): boolean {
  return isVector(inShape) && isVector(outShape) && inShape.at(-1) === outShape.at(-1);
}

/** Per-image [H, W, C] of a tensor shape with its batch axis ([batch, C] reads as [1, 1, C]). */
function perImage(shape: (number | null)[], what: string): Shape {
  const dims = shape.slice(1);
  if (dims.some((d) => d == null)) throw new NativeGraphUnsupported(`${what} has no static shape (${JSON.stringify(shape)})`);
  if (dims.length === 3) return dims as Shape;
  if (dims.length === 1) return [1, 1, dims[0]!];
  throw new NativeGraphUnsupported(`${what} has rank ${shape.length} (only [batch, H, W, C] or [batch, C])`);
}

/** The node of `layer` that belongs to `model` (a layer reused by another model, e.g. a feature-cache suffix, has more). */
function modelNode(model: tfl.LayersModel, layer: tfl.layers.Layer): NodeLike {
  const nodes = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes;
  const keys = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  const mine = keys ? nodes.filter((_, k) => keys.has(`${layer.name}_ib-${k}`)) : nodes;
  if (mine.length !== 1) decline({ name: layer.name, cls: layer.getClassName() }, `is applied ${mine.length} times in the model (only once)`);
  if (mine[0].outputTensors.length !== 1) decline({ name: layer.name, cls: layer.getClassName() }, `has ${mine[0].outputTensors.length} outputs`);
  return mine[0];
}

/** A node while the graph is read; `node` null once a fusion dropped it (its readers then read `alias`). */
interface Draft {
  node: GraphNode | null;
  alias: number;
  /** A plain ReLU (no max): fusable into the node it reads. */
  plainRelu: boolean;
  /** A conv or depthwise conv with 'valid' padding: can take a ZeroPadding2D's pads. */
  validConv: boolean;
}

export function readGraph(outer: tfl.LayersModel): GraphSpec {
  const model = outer.getClassName() === 'Sequential' ? innerModel(outer) : outer;
  if (model.inputs.length !== 1) throw new NativeGraphUnsupported(`the model has ${model.inputs.length} inputs (only 1)`);
  if (model.outputs.length !== 1) throw new NativeGraphUnsupported(`the model has ${model.outputs.length} outputs (only 1)`);
  const inputLayer = model.inputLayers[0];
  const inShape = perImage((inputLayer as unknown as { batchInputShape: (number | null)[] }).batchInputShape, `input '${inputLayer.name}'`);
  const drafts: Draft[] = [{ node: { op: 'input', layer: inputLayer.name, inputs: [], outShape: inShape }, alias: 0, plainRelu: false, validConv: false }];
  const weights: GraphWeight[] = [];
  /** Which draft holds each tensor (an ALIAS layer's output: its input's draft). */
  const draftOf = new Map<number, number>([[model.inputs[0].id, 0]]);

  for (const layer of model.layers) {
    if (layer === inputLayer) continue;
    const cls = layer.getClassName();
    const node = modelNode(model, layer);
    const inputs = node.inputTensors.map((t) => {
      const d = draftOf.get(t.id);
      if (d == null) throw new Error(`layer ${layer.name} reads ${(t as unknown as { name: string }).name}, which no earlier layer produced`);
      return d;
    });
    const out = node.outputTensors[0];
    const expected = perImage(out.shape, `the output of layer '${layer.name}' (${cls})`);
    if (cls === 'Flatten' || cls === 'Reshape') {
      if (!reshapeIsFree(node.inputTensors[0].shape, out.shape)) decline({ name: layer.name, cls }, `reshapes ${JSON.stringify(node.inputTensors[0].shape.slice(1))} to ${JSON.stringify(out.shape.slice(1))} (only [C] ↔ [1, 1, C])`);
      draftOf.set(out.id, inputs[0]);
      continue;
    }
    const reader = READERS[cls];
    if (!reader) decline({ name: layer.name, cls }, 'has no native counterpart');
    const first = weights.length;
    for (const v of layer.weights) weights.push({ name: v.originalName, shape: v.shape as number[], layer: layer.name });
    const fields = layer as unknown as Record<string, tfl.LayerVariable | null | undefined>;
    const view: LayerView = {
      name: layer.name,
      cls,
      cfg: { ...layer.getConfig(), ...dropoutFields(layer) },
      inShapes: inputs.map((d) => drafts[d].node!.outShape),
      inRanks: node.inputTensors.map((t) => t.shape.length),
      weight(field) {
        const v = fields[field];
        if (v == null) return null;
        const i = layer.weights.indexOf(v);
        if (i < 0) throw new Error(`layer ${layer.name}: ${field} is not among its weights`);
        return first + i;
      },
    };
    const op = reader(view);
    if (op === ALIAS) {
      draftOf.set(out.id, inputs[0]);
      continue;
    }
    if (op.outShape.join() !== expected.join()) {
      throw new Error(`graph reader bug: layer ${layer.name} (${cls}) computed ${JSON.stringify(op.outShape)}, TF.js says ${JSON.stringify(expected)}`);
    }
    draftOf.set(out.id, drafts.length);
    drafts.push({
      node: { ...op, layer: layer.name, inputs } as GraphNode,
      alias: drafts.length,
      plainRelu: op.op === 'relu' && op.max == null,
      validConv: (op.op === 'conv' || op.op === 'depthwise') && view.cfg.padding === 'valid',
    });
  }

  const output = draftOf.get(model.outputs[0].id);
  if (output == null) throw new Error(`model output ${model.outputs[0].id} was not read`);
  fuse(drafts, output);
  return compact(drafts, weights, output);
}

/** A Sequential keeps its graph in a functional model of its own, made when it is first built. */
function innerModel(sequential: tfl.LayersModel): tfl.LayersModel {
  const s = sequential as unknown as { model?: tfl.LayersModel; build(): void };
  if (!s.model) s.build();
  return s.model!;
}

/** SeededDropout keeps its rate and seed in its own fields (its config has no seed); stock Dropout's config has both. */
function dropoutFields(layer: tfl.layers.Layer): Record<string, unknown> {
  const own = layer as unknown as { baseSeed?: number; dropRate?: number };
  return {
    ...(own.dropRate != null ? { rate: own.dropRate } : {}),
    ...(own.baseSeed != null ? { seed: own.baseSeed } : {}),
  };
}

/** Applies the fusions in place: ReLUs into what they read, paddings into the 'valid' convolutions that read them. */
function fuse(drafts: Draft[], output: number): void {
  const readers: number[][] = drafts.map(() => []);
  drafts.forEach((d, i) => d.node!.inputs.forEach((j) => readers[j].push(i)));
  drafts.forEach((d, i) => {
    const n = d.node;
    if (!n) return; // a ReLU fused already
    const fusable = n.op === 'batchnorm' || n.op === 'add' || ((n.op === 'conv' || n.op === 'depthwise') && !n.relu);
    if (!fusable || i === output || readers[i].length !== 1 || !drafts[readers[i][0]].plainRelu) return;
    n.relu = true;
    const relu = drafts[readers[i][0]];
    relu.node = null;
    relu.alias = i;
  });
  drafts.forEach((d, i) => {
    const n = d.node;
    if (n?.op !== 'pad' || i === output || readers[i].length === 0 || !readers[i].every((r) => drafts[r].validConv)) return;
    for (const r of new Set(readers[i])) {
      const conv = drafts[r].node as Extract<GraphNode, { op: 'conv' | 'depthwise' }>;
      conv.pads = conv.pads.map((p, k) => p + n.pads[k]) as Pads;
      conv.inputs = conv.inputs.map((j) => (j === i ? n.inputs[0] : j));
    }
    d.node = null;
    d.alias = n.inputs[0];
  });
}

/** The surviving nodes, renumbered densely (order kept, so still topological). */
function compact(drafts: Draft[], weights: GraphWeight[], output: number): GraphSpec {
  const resolve = (i: number): number => {
    while (drafts[i].node == null) i = drafts[i].alias;
    return i;
  };
  const index = new Map<number, number>();
  const nodes: GraphNode[] = [];
  drafts.forEach((d, i) => {
    if (d.node == null) return;
    index.set(i, nodes.length);
    nodes.push({ ...d.node, inputs: d.node.inputs.map((j) => index.get(resolve(j))!) });
  });
  return { nodes, weights, output: index.get(resolve(output))! };
}
