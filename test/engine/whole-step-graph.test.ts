/**
 * readGraph against independent computations: every zoo model's graph, replayed in plain TF.js ops from the model's
 * own weights (explicit pads + 'valid' windows, BatchNorm from the moving statistics), gives model.predict's logits;
 * its weights are exactly the model's; its fusions are the ones the architectures imply (counted by hand); a
 * feature-cache suffix reads too; and layers the native engine lacks decline with their name and class.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { NativeGraphUnsupported, readGraph, type GraphNode, type GraphSpec, type Pads } from '../../src/engine/index.ts';
import { buildModel, type CreateModelOptions } from '../../src/models/index.ts';
import { splitModel } from '../../src/train/split-model.ts';
import { allWeights } from '../../src/train/variables.ts';
import { maxRelErr, randomValues } from '../helpers/backends.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const padding = (p: Pads): [number, number][] => [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
const isZero = (p: Pads) => p.every((v) => v === 0);

/** The graph's forward pass in inference mode, node by node, in plain TF.js ops: every node's output. */
function replay(g: GraphSpec, values: Map<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor4D[] {
  return tf.tidy(() => {
    const w = (i: number | null) => (i == null ? null : values.get(g.weights[i].name)!);
    const outs: tf.Tensor4D[] = [];
    const relu = (t: tf.Tensor4D, on: boolean) => (on ? tf.relu(t) : t);
    const bias = (t: tf.Tensor4D, i: number | null) => (i == null ? t : tf.add(t, w(i)!) as tf.Tensor4D);
    for (const n of g.nodes) {
      const [a] = n.inputs.map((i) => outs[i]);
      outs.push(step(n, a, n.inputs.map((i) => outs[i])));
    }
    return outs;

    function step(n: GraphNode, a: tf.Tensor4D, all: tf.Tensor4D[]): tf.Tensor4D {
      switch (n.op) {
        case 'input': return x;
        case 'conv': return relu(bias(tf.conv2d(tf.pad(a, padding(n.pads)), w(n.weights.kernel) as tf.Tensor4D, n.strides, 'valid'), n.weights.bias), n.relu);
        case 'depthwise': return relu(bias(tf.depthwiseConv2d(tf.pad(a, padding(n.pads)), w(n.weights.kernel) as tf.Tensor4D, n.strides, 'valid'), n.weights.bias), n.relu);
        case 'batchnorm': {
          const scale = tf.div(w(n.weights.gamma) ?? 1, tf.sqrt(tf.add(w(n.weights.variance)!, n.epsilon)));
          const y = tf.add(tf.mul(tf.sub(a, w(n.weights.mean)!), scale), w(n.weights.beta) ?? 0) as tf.Tensor4D;
          return relu(y, n.relu);
        }
        case 'relu': return n.max == null ? tf.relu(a) : tf.clipByValue(a, 0, n.max);
        case 'add': return relu(tf.addN(all), n.relu);
        case 'concat': return tf.concat(all, 3);
        case 'maxpool': return tf.maxPool(tf.pad(a, padding(n.pads), -Infinity), n.kernel, n.strides, 'valid');
        case 'avgpool': {
          // TF's average excludes the padding: mean of the zero-padded window over the mean of a padded window of ones.
          const mean = (t: tf.Tensor4D) => tf.avgPool(tf.pad(t, padding(n.pads)), n.kernel, n.strides, 'valid');
          return isZero(n.pads) ? mean(a) : tf.div(mean(a), mean(tf.onesLike(a)));
        }
        case 'pad': return tf.pad(a, padding(n.pads));
        case 'gap': return tf.mean(a, [1, 2], true);
        case 'dense': {
          const y = tf.matMul(tf.reshape(a, [a.shape[0], -1]), w(n.weights.kernel) as tf.Tensor2D);
          return relu(bias(tf.reshape(y, [a.shape[0], 1, 1, n.units]), n.weights.bias), n.relu);
        }
        case 'dropout': return a;
      }
    }
  });
}

/**
 * Random but moderate biases and BatchNorm parameters/statistics, so that a wrong one shows. The new head's bias stays
 * zero: the features reaching it are small, and a bias would hide them in the logits.
 */
function randomiseStatistics(model: tfl.LayersModel): void {
  let seed = 1;
  for (const v of model.weights) {
    if (v.originalName.startsWith('medft_head_')) continue;
    const short = v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
    const range = { bias: [-0.1, 0.1], beta: [-0.1, 0.1], moving_mean: [-0.1, 0.1], gamma: [0.5, 1.5], moving_variance: [0.5, 1.5] }[short];
    if (!range) continue;
    const u = randomValues(v.shape.reduce((s: number, d) => s * d!, 1), seed++).map((r) => range[0] + ((r + 1) / 2) * (range[1] - range[0]));
    tf.tidy(() => { v.write(tf.tensor(u, v.shape as number[])); });
  }
}

/**
 * Replays the graph on a random batch and returns the largest relative error of the logits against model.predict
 * and, with `perNode`, of every node against its layer's output in TF.js (a fused node: none, its ReLU is not its
 * layer's) — deep random networks shrink their activations so far that a wrong padding hardly moves the logits.
 */
function checkReplay(model: tfl.LayersModel, g: GraphSpec, shape: number[], perNode = true): { logits: number; worst: [string, number] } {
  const x = tf.tensor4d(randomValues(shape.reduce((a, b) => a * b), 7), shape as [number, number, number, number]);
  const outs = replay(g, allWeights(model), x);
  const flat = (t: tf.Tensor) => t.dataSync();
  const want = model.predict(x) as tf.Tensor;
  const logits = maxRelErr(flat(outs[g.output]), flat(want));
  let worst: [string, number] = ['', 0];
  if (perNode) {
    const checked = g.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.op !== 'input' && !('relu' in n && n.relu));
    const probe = tfl.model({ inputs: model.inputs, outputs: checked.map(([n]) => model.getLayer(n.layer).output as tfl.SymbolicTensor) });
    const theirs = probe.predict(x) as tf.Tensor[];
    checked.forEach(([n, i], k) => {
      assert.equal(outs[i].size, theirs[k].size, n.layer);
      const err = maxRelErr(flat(outs[i]), flat(theirs[k]));
      if (err >= worst[1]) worst = [n.layer, err];
    });
    tf.dispose(theirs);
  }
  tf.dispose([x, want, ...outs]);
  return { logits, worst };
}

const count = (g: GraphSpec, pred: (n: GraphNode) => boolean) => g.nodes.filter(pred).length;
const fused = (n: GraphNode) => 'relu' in n && n.relu;

/** Every zoo model at a small size, with what its architecture implies about the fused graph. */
const ZOO: { name: string; opts: CreateModelOptions; check(g: GraphSpec): void }[] = [
  {
    name: 'resnet50', opts: { inputSize: 32, dropout: 0.2 },
    check(g) {
      // conv1_bn and each bottleneck's _1_bn, _2_bn carry a ReLU; the _3_bn and shortcut _0_bn feed the add, which does.
      assert.equal(count(g, (n) => n.op === 'relu'), 0);
      assert.equal(count(g, (n) => n.op === 'batchnorm' && n.relu), 1 + 16 * 2);
      assert.equal(count(g, (n) => n.op === 'batchnorm' && !n.relu), 16 + 4);
      assert.equal(count(g, (n) => n.op === 'add' && n.relu), 16);
      assert.deepEqual((g.nodes.find((n) => n.layer === 'conv1_conv') as { pads: Pads }).pads, [3, 3, 3, 3]);
      // The padding before the max pool stays a node: a pool is not a convolution.
      assert.deepEqual(g.nodes.filter((n) => n.op === 'pad').map((n) => n.layer), ['pool1_pad']);
    },
  },
  {
    name: 'densenet121', opts: { inputSize: 32 },
    check(g) {
      assert.equal(count(g, (n) => n.op === 'relu'), 0);
      assert.equal(count(g, (n) => n.op === 'batchnorm' && n.relu), 1 + 2 * (6 + 12 + 24 + 16) + 3 + 1);
      assert.equal(count(g, (n) => n.op === 'concat'), 58);
      // Each dense block ends at its input channels + 32 per layer; transitions halve.
      const last = (block: string) => g.nodes.filter((n) => n.op === 'concat' && n.layer.startsWith(`${block}_`)).at(-1)!.outShape[2];
      assert.deepEqual(['conv2', 'conv3', 'conv4', 'conv5'].map(last), [64 + 6 * 32, 128 + 12 * 32, 256 + 24 * 32, 512 + 16 * 32]);
    },
  },
  {
    name: 'vgg19', opts: { inputSize: 32, dropout: 0.5, seed: 3 },
    check(g) {
      assert.equal(count(g, (n) => n.op === 'conv' && n.relu), 16);
      assert.equal(count(g, (n) => n.op === 'relu'), 0);
      assert.equal(count(g, (n) => n.op === 'maxpool'), 5);
      const drop = g.nodes.find((n) => n.op === 'dropout');
      assert.deepEqual(drop && drop.op === 'dropout' && [drop.rate, drop.seed], [0.5, 3]);
    },
  },
  {
    // 40 px: the stride-2 blocks see odd sizes (5, 3), where correct_pad pads both sides.
    name: 'mobilenet_v2', opts: { inputSize: 40, alpha: 0.35 },
    check(g) {
      assert.equal(count(g, (n) => n.op === 'relu' && n.max === 6), 35);
      assert.equal(count(g, fused), 0);
      assert.equal(count(g, (n) => n.op === 'pad'), 0);
      const strided = g.nodes.filter((n) => n.op === 'depthwise' && n.strides[0] === 2) as { pads: Pads }[];
      assert.deepEqual(strided.map((n) => n.pads), [[0, 1, 0, 1], [0, 1, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
    },
  },
  {
    // 40 px: Keras MobileNet v1 pads (0, 1) whatever the parity, so 5 px go to 2, where TF's 'same' gives 3.
    name: 'mobilenet_v1', opts: { inputSize: 40, alpha: 0.25 },
    check(g) {
      assert.equal(count(g, (n) => n.op === 'relu' && n.max === 6), 27);
      assert.equal(count(g, (n) => n.op === 'pad'), 0);
      const strided = g.nodes.filter((n) => n.op === 'depthwise' && n.strides[0] === 2) as GraphNode[];
      assert.deepEqual(strided.map((n) => [(n as { pads: Pads }).pads, n.outShape[0]]), [[[0, 1, 0, 1], 10], [[0, 1, 0, 1], 5], [[0, 1, 0, 1], 2], [[0, 1, 0, 1], 1]]);
    },
  },
  {
    name: 'tiny_cnn', opts: { inputSize: 16 },
    check(g) {
      assert.deepEqual(g.nodes.map((n) => n.op + (fused(n) ? '+relu' : '')), [
        'input', 'conv', 'batchnorm+relu', 'maxpool', 'conv', 'batchnorm+relu', 'maxpool', 'conv', 'batchnorm+relu', 'gap', 'dense',
      ]);
    },
  },
];

/** Shapes, wiring and weight references every graph must satisfy, whatever the model. */
function checkWellFormed(model: tfl.LayersModel, g: GraphSpec): void {
  assert.equal(g.nodes[0].op, 'input');
  g.nodes.forEach((n, i) => {
    assert.ok(n.inputs.every((j) => j < i), `node ${i} (${n.layer}) reads a later node`);
    assert.equal(n.inputs.length === 0, n.op === 'input');
    if ('weights' in n) {
      for (const k of Object.values(n.weights)) if (k != null) assert.equal(g.weights[k].layer, n.layer);
    }
  });
  assert.deepEqual(g.weights.map((w) => w.name).sort(), [...allWeights(model).keys()].sort());
  for (const w of g.weights) assert.deepEqual(w.shape, allWeights(model).get(w.name)!.shape);
  assert.deepEqual(g.nodes[g.output].outShape, [1, 1, (model.outputs[0].shape as number[])[1]]);
}

describe('readGraph on the zoo', () => {
  for (const { name, opts, check } of ZOO) {
    it(`${name}: the replayed graph gives the model's logits; weights and fusions as the architecture implies`, () => {
      const { model } = buildModel(name, { numClasses: 3, ...opts });
      try {
        randomiseStatistics(model);
        const g = readGraph(model);
        checkWellFormed(model, g);
        check(g);
        const { logits, worst } = checkReplay(model, g, [2, opts.inputSize!, opts.inputSize!, 3]);
        assert.ok(logits < 1e-4 && worst[1] < 1e-4, `max relative error: logits ${logits}, ${worst[0]} ${worst[1]}`);
      } finally {
        model.dispose();
      }
    });
  }

  it("a feature-cache suffix reads from its feature-map input, and the whole model still reads after the split", () => {
    const { model, spec } = buildModel('resnet50', { numClasses: 3, inputSize: 32 });
    try {
      randomiseStatistics(model);
      const whole = readGraph(model);
      const parts = splitModel(model, spec, ['stem', 'conv2_x', 'conv3_x']);
      assert.ok(!('reason' in parts));
      const g = readGraph(parts.suffix);
      assert.deepEqual(g.nodes[0].outShape, [4, 4, 512]);
      const readersOfInput = g.nodes.filter((n) => n.inputs.includes(0)).map((n) => n.layer).sort();
      assert.deepEqual(readersOfInput, ['conv4_block1_0_conv', 'conv4_block1_1_conv']);
      checkWellFormed(parts.suffix, g);
      const { logits } = checkReplay(parts.suffix, g, [2, 4, 4, 512], false); // its layers have a node in each model
      assert.ok(logits < 1e-4, `max relative error ${logits}`);
      assert.deepEqual(readGraph(model), whole);
    } finally {
      model.dispose();
    }
  });
});

describe('readGraph on hand-made graphs', () => {
  it('every supported layer kind, with the fusions that apply and those that do not', () => {
    const input = tfl.input({ shape: [9, 9, 4], name: 'img' });
    const ap = <T extends tfl.SymbolicTensor | tfl.SymbolicTensor[]>(l: tfl.layers.Layer, x: T) => l.apply(x) as tfl.SymbolicTensor;
    const pad = ap(tfl.layers.zeroPadding2d({ name: 'pad2', padding: [[1, 2], [0, 1]] }), input);
    const c1 = ap(tfl.layers.conv2d({ name: 'c1', filters: 6, kernelSize: 3, strides: 2, activation: 'relu' }), pad); // pad folds (both readers valid)
    const c2 = ap(tfl.layers.conv2d({ name: 'c2', filters: 6, kernelSize: [3, 1], strides: [2, 3] }), pad);
    const r2 = ap(tfl.layers.reLU({ name: 'r2' }), c2); // fuses into c2
    const join = ap(tfl.layers.concatenate({ name: 'join' }), [c1, r2]);
    const padSame = ap(tfl.layers.zeroPadding2d({ name: 'pad_same', padding: 1 }), join);
    const c3 = ap(tfl.layers.conv2d({ name: 'c3', filters: 6, kernelSize: 3, padding: 'same' }), padSame); // 'same': the pad stays
    const pooled = ap(tfl.layers.maxPooling2d({ name: 'mp', poolSize: 3, strides: 2, padding: 'same' }), c3);
    const bn = ap(tfl.layers.batchNormalization({ name: 'bn', center: false, scale: false }), pooled);
    const lin = ap(tfl.layers.activation({ name: 'lin', activation: 'linear' }), bn); // dropped
    const r4 = ap(tfl.layers.reLU({ name: 'r4', maxValue: 4 }), lin); // kept: capped
    const r0 = ap(tfl.layers.activation({ name: 'r0', activation: 'relu' }), bn); // kept: bn has two readers
    const dw = ap(tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', useBias: true }), r0);
    const sum = ap(tfl.layers.add({ name: 'sum3' }), [r4, r0, dw]);
    const cat = ap(tfl.layers.concatenate({ name: 'cat' }), [sum, r0]);
    const avg = ap(tfl.layers.averagePooling2d({ name: 'ap', poolSize: 2, strides: 2, padding: 'same' }), cat);
    const gap = ap(tfl.layers.globalAveragePooling2d({ name: 'gap' }), avg);
    const drop = ap(tfl.layers.dropout({ name: 'drop', rate: 0.3, seed: 11 }), gap);
    const d1 = ap(tfl.layers.dense({ name: 'd1', units: 5, activation: 'relu' }), drop);
    const up = ap(tfl.layers.reshape({ name: 'up', targetShape: [1, 1, 5] }), d1); // [5] → [1, 1, 5]: free
    const c4 = ap(tfl.layers.conv2d({ name: 'c4', filters: 3, kernelSize: 1 }), up);
    const flat = ap(tfl.layers.flatten({ name: 'flat' }), c4); // [1, 1, 3] → [3]: free
    const model = tfl.model({ inputs: input, outputs: flat });
    try {
      randomiseStatistics(model);
      const g = readGraph(model);
      checkWellFormed(model, g);
      const at = (layer: string) => g.nodes.find((n) => n.layer === layer) as GraphNode & Record<string, unknown>;
      const reads = (layer: string) => at(layer).inputs.map((i) => g.nodes[i].layer);
      assert.deepEqual(g.nodes.map((n) => n.layer).sort(), ['img', 'c1', 'c2', 'join', 'pad_same', 'c3', 'mp', 'bn', 'r4', 'r0', 'dw', 'sum3', 'cat', 'ap', 'gap', 'drop', 'd1', 'c4'].sort());
      // Hand-computed geometry: 9×9 padded to 12×10; 'same' windows on 7×6 and 4×3 pad after more than before.
      assert.deepEqual([at('c1').pads, at('c2').pads, reads('c1'), reads('c2'), at('c1').relu, at('c2').relu], [[1, 2, 0, 1], [1, 2, 0, 1], ['img'], ['img'], true, true]);
      assert.deepEqual([at('c1').outShape, at('c2').outShape, at('join').outShape], [[5, 4, 6], [5, 4, 6], [5, 4, 12]]);
      assert.deepEqual([at('pad_same').pads, at('c3').pads, reads('c3')], [[1, 1, 1, 1], [1, 1, 1, 1], ['pad_same']]);
      assert.deepEqual([at('mp').pads, at('mp').outShape], [[1, 1, 0, 1], [4, 3, 6]]);
      const bnWeights = at('bn').weights as Record<string, number | null>;
      assert.deepEqual([at('bn').relu, bnWeights.gamma, bnWeights.beta], [false, null, null]);
      assert.deepEqual([g.weights[bnWeights.mean!].name, g.weights[bnWeights.variance!].name], ['bn/moving_mean', 'bn/moving_variance']);
      assert.deepEqual([at('r4').max, reads('r4'), at('r0').max, at('dw').relu], [4, ['bn'], null, false]);
      assert.deepEqual([reads('sum3'), at('sum3').relu, reads('cat'), at('cat').outShape], [['r4', 'r0', 'dw'], false, ['sum3', 'r0'], [4, 3, 12]]);
      assert.deepEqual([at('ap').pads, at('ap').outShape], [[0, 0, 0, 1], [2, 2, 12]]);
      assert.deepEqual([at('drop').rate, at('drop').seed, at('d1').relu, reads('c4'), g.nodes[g.output].layer], [0.3, 11, true, ['d1'], 'c4']);
      const { logits, worst } = checkReplay(model, g, [2, 9, 9, 4]);
      assert.ok(logits < 1e-5 && worst[1] < 1e-5, `max relative error: logits ${logits}, ${worst[0]} ${worst[1]}`);
    } finally {
      model.dispose();
    }
  });

  it('a Sequential model reads through its inner functional model', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 2 }),
    ] });
    try {
      const g = readGraph(model);
      checkWellFormed(model, g);
      assert.deepEqual(g.nodes.map((n) => [n.op, n.outShape]), [['input', [8, 8, 3]], ['conv', [6, 6, 4]], ['gap', [1, 1, 4]], ['dense', [1, 1, 2]]]);
      const { logits, worst } = checkReplay(model, g, [2, 8, 8, 3]);
      assert.ok(logits < 1e-5 && worst[1] < 1e-5, `max relative error: logits ${logits}, ${worst[0]} ${worst[1]}`);
    } finally {
      model.dispose();
    }
  });

  function declines(build: (x: tfl.SymbolicTensor) => tfl.SymbolicTensor, reason: RegExp): void {
    const input = tfl.input({ shape: [8, 8, 3] });
    const model = tfl.model({ inputs: input, outputs: build(input) });
    try {
      assert.throws(() => readGraph(model), (e: unknown) => e instanceof NativeGraphUnsupported && reason.test(e.reason));
    } finally {
      model.dispose();
    }
  }
  const ap = (l: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => l.apply(x) as tfl.SymbolicTensor;

  it('declines a transposed convolution, naming the layer and its class', () => {
    declines((x) => ap(tfl.layers.conv2dTranspose({ name: 'up_conv', filters: 2, kernelSize: 3 }), x), /^layer 'up_conv' \(Conv2DTranspose\) has no native counterpart$/);
  });
  it('declines a Flatten of a feature map into a Dense', () => {
    declines((x) => ap(tfl.layers.dense({ name: 'fc', units: 2 }), ap(tfl.layers.flatten({ name: 'flat' }), x)), /^layer 'flat' \(Flatten\) reshapes \[8,8,3\]/);
  });
  it('declines a Dense on a feature map, an activation other than ReLU, a dilation and a depth multiplier', () => {
    declines((x) => ap(tfl.layers.dense({ name: 'fc', units: 2 }), x), /^layer 'fc' \(Dense\) reads a rank-4 tensor/);
    declines((x) => ap(tfl.layers.conv2d({ name: 'c', filters: 2, kernelSize: 3, activation: 'sigmoid' }), x), /^layer 'c' \(Conv2D\) has activation 'sigmoid'/);
    declines((x) => ap(tfl.layers.conv2d({ name: 'c', filters: 2, kernelSize: 3, dilationRate: 2 }), x), /^layer 'c' \(Conv2D\) has dilation \[2,2\]/);
    declines((x) => ap(tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2 }), x), /^layer 'dw' \(DepthwiseConv2D\) has depth multiplier 2/);
  });
  it('declines a layer applied twice', () => {
    declines((x) => {
      const shared = tfl.layers.conv2d({ name: 'shared', filters: 3, kernelSize: 1 });
      return ap(shared, ap(shared, x));
    }, /^layer 'shared' \(Conv2D\) is applied 2 times/);
  });
});
