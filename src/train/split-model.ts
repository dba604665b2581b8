/**
 * Cutting a functional model in two at a block boundary: the prefix (input → the one tensor that crosses the cut) and
 * the suffix (a new Input of that tensor's shape → the model's output), both made of the model's own layers, so the
 * suffix trains the model's variables. ResNet and DenseNet branch, so the suffix is rebuilt node by node in
 * topological order, each layer applied to the new symbolic tensors that stand for its original inputs (Add and
 * Concatenate take several).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../models/index.ts';
import { blockOfLayer } from './variables.ts';

type Sym = tfl.SymbolicTensor;
/** The parts of tfjs-layers' Node and Container that the public typings leave out. */
interface NodeLike { inputTensors: Sym[]; outputTensors: Sym[]; callArgs?: Record<string, unknown> }
interface LayerLike { name: string; inboundNodes: NodeLike[] }

export interface SplitModel {
  prefix: tfl.LayersModel;
  suffix: tfl.LayersModel;
  /** Shape of one sample's prefix output (no batch axis). */
  featureShape: number[];
}

/** The node of `layer` that belongs to `model` (a layer reused elsewhere, e.g. by an earlier suffix, has more). */
function modelNode(model: tfl.LayersModel, layer: tfl.layers.Layer): NodeLike {
  const nodes = (layer as unknown as LayerLike).inboundNodes;
  const keys = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  const i = keys ? nodes.findIndex((_, k) => keys.has(`${layer.name}_ib-${k}`)) : 0;
  if (i < 0) throw new Error(`layer ${layer.name} has no node in model ${model.name}`);
  return nodes[i];
}

/**
 * Splits after the blocks `prefixBlocks` (a leading run of spec.blocks). Returns a reason instead when the cut is not
 * a single tensor, or when a prefix layer is not a pure function of its input in inference (dropout).
 */
export function splitModel(model: tfl.LayersModel, spec: ModelSpec, prefixBlocks: readonly string[]): SplitModel | { reason: string } {
  const blockOf = blockOfLayer(spec);
  const inPrefix = new Set(prefixBlocks);
  const layers = model.layers; // topologically sorted by tfjs-layers
  const isPrefix = (l: tfl.layers.Layer) => { const b = blockOf.get(l.name); return b == null || inPrefix.has(b); }; // input layer: prefix
  for (const l of layers) {
    if (isPrefix(l) && /Dropout/i.test(l.getClassName())) return { reason: `prefix layer ${l.name} is a dropout layer` };
  }
  const suffixLayers = layers.filter((l) => !isPrefix(l));
  if (suffixLayers.length === 0) return { reason: 'nothing after the prefix' };
  // Tensors produced by prefix layers (or the input) and consumed by suffix layers.
  const crossing = new Map<number, Sym>();
  for (const l of suffixLayers) {
    for (const t of modelNode(model, l).inputTensors) if (isPrefix(t.sourceLayer)) crossing.set(t.id, t);
  }
  if (crossing.size !== 1) return { reason: `${crossing.size} tensors cross the cut after ${prefixBlocks.at(-1)}` };
  const cut = [...crossing.values()][0];
  if (cut.sourceLayer.getClassName() === 'InputLayer') return { reason: 'the cut is the model input' };
  if (model.outputs.some((o) => isPrefix(o.sourceLayer))) return { reason: 'a model output lies in the prefix' };

  const featureShape = cut.shape.slice(1) as number[];
  if (featureShape.some((d) => d == null)) return { reason: `the cut tensor has no static shape (${JSON.stringify(cut.shape)})` };
  const prefix = tfl.model({ inputs: model.inputs, outputs: cut, name: `${model.name}_prefix_${prefixBlocks.length}` });
  const input = tfl.input({ shape: featureShape });
  const mapped = new Map<number, Sym>([[cut.id, input]]);
  for (const l of suffixLayers) {
    const node = modelNode(model, l);
    const ins = node.inputTensors.map((t) => {
      const m = mapped.get(t.id);
      if (!m) throw new Error(`suffix layer ${l.name} reads ${t.name}, which is neither the cut nor a suffix output`);
      return m;
    });
    const out = l.apply(ins.length === 1 ? ins[0] : ins, node.callArgs ?? {}) as Sym | Sym[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, k) => mapped.set(t.id, outs[k]));
  }
  const outputs = model.outputs.map((o) => {
    const m = mapped.get(o.id);
    if (!m) throw new Error(`model output ${o.name} was not rebuilt in the suffix`);
    return m;
  });
  const suffix = tfl.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs, name: `${model.name}_suffix_${prefixBlocks.length}` });
  return { prefix, suffix, featureShape };
}
