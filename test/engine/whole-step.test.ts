/**
 * The native whole-step engine against TF.js: one step's loss and gradients for every zoo model (against TF.js's
 * tape on wasm, within the accelerator tests' tolerances), and the
 * update rules (Adam, SGD, per-weight multipliers, frozen weights and frozen BatchNorm, L2-SP / L1-SP / head penalties,
 * clipping) against medft's own TS implementations applied to the engine's gradients.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { adamUpdate, floatsOf, sgdUpdate } from '../../src/engine/index.ts';
import { nativeStepUnavailable, openNativeStep, type NativeOptimizer, type NativeStep } from '../../src/engine/whole-step/index.ts';
import { buildModel } from '../../src/models/index.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { penaltyTerm } from '../../src/train/penalty.ts';
import { randomValues, useWasm } from '../helpers/backends.ts';

const skip = nativeStepUnavailable({ accelerator: 'auto' }) ?? false;
const ADAM = { kind: 'adam' as const, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, momentum: 0.9 };

function open(model: tfl.LayersModel, optimizer: NativeOptimizer = ADAM): NativeStep {
  const o = openNativeStep(model, optimizer as NativeOptimizer, { winograd: true });
  if (!o.step) throw new Error(o.declined);
  o.step.pushWeights();
  return o.step;
}

function batch(n: number, size: number, seed: number) {
  return { x: randomValues(n * size * size * 3, seed), shape: [n, size, size, 3], y: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

/** TF.js's gradients of the training loss (BatchNorm in training mode where the layer trains). */
function tfjsGradients(model: tfl.LayersModel, b: ReturnType<typeof batch>): { loss: number; grads: Map<string, Float32Array> } {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor(b.x, b.shape);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, b.y, 2), vars);
  const out = new Map(model.trainableWeights.map((w) => [w.originalName, Float32Array.from(grads[(w.read() as tf.Variable).name].dataSync() as Float32Array)]));
  const loss = value.dataSync()[0];
  tf.dispose([x, value, ...Object.values(grads)]);
  return { loss, grads: out };
}

const l2 = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

/** ‖a − b‖ / ‖b‖ over every weight together. */
function relativeDistance(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let num = 0;
  let den = 0;
  for (const [k, ref] of b) {
    const got = a.get(k)!;
    for (let i = 0; i < ref.length; i++) {
      num += (got[i] - ref[i]) ** 2;
      den += ref[i] ** 2;
    }
  }
  return Math.sqrt(num / den);
}

describe('native whole-step engine', { skip }, () => {
  before(useWasm);

  // The accelerator tests' zoo step (native-conv.test.ts) and its tolerances: a train-mode step at random
  // initialisation is ill-conditioned, so float rounding anywhere shows in every gradient (TF.js's own cpu and wasm
  // backends differ by as much); a wrong op would show as an O(1) difference in its layer's gradients.
  const zoo = [
    { model: 'tiny_cnn', size: 16, batch: 4, global: 1e-3 },
    { model: 'mobilenet_v1', size: 40, batch: 4, global: 2e-2 },
    { model: 'mobilenet_v2', size: 32, batch: 4, global: 2e-2 },
    { model: 'resnet50', size: 64, batch: 8, global: 5e-2 },
    { model: 'densenet121', size: 32, batch: 4, global: 1e-2 },
    { model: 'vgg19', size: 32, batch: 4, global: 1e-2 },
  ] as const;
  for (const z of zoo) {
    it(`${z.model}: one step's loss and gradients equal TF.js's (loss rel. 1e-4, gradients ${z.global} globally, 0.1 per variable)`, () => {
      const { model } = buildModel(z.model, { numClasses: 2, inputSize: z.size, seed: 7 });
      const engine = open(model);
      try {
        engine.setTraining(new Map(model.trainableWeights.map((w) => [w.originalName, 1])));
        const b = batch(z.batch, z.size, 21);
        const r = engine.step(b.x, b.shape, b.y, { lr: 0, update: false });
        const native = new Map(model.trainableWeights.map((w) => [w.originalName, engine.gradient(w.originalName)]));
        const ref = tfjsGradients(model, b);
        assert.ok(Math.abs(r.loss - ref.loss) <= 1e-4 * Math.abs(ref.loss), `loss ${r.loss} vs TF.js ${ref.loss}`);
        const err = relativeDistance(native, ref.grads);
        assert.ok(err <= z.global, `gradients differ by ${err.toExponential(2)} overall`);
        const norms = [...ref.grads.values()].map(l2);
        const largest = Math.max(...norms);
        for (const [k, g] of ref.grads) {
          if (l2(g) < 1e-6 * largest) continue; // rounding noise only
          const e = relativeDistance(new Map([[k, native.get(k)!]]), new Map([[k, g]]));
          assert.ok(e <= 0.1, `${k}: gradient differs by ${e.toExponential(2)}`);
        }
      } finally {
        engine.dispose();
        model.dispose();
      }
    });
  }

  it('weights and optimizer moments go in and out exactly, in TF.js layouts', () => {
    const { model } = buildModel('mobilenet_v2', { numClasses: 2, inputSize: 40 });
    const engine = open(model);
    try {
      for (const w of model.weights) {
        const v = w.read();
        const m = randomValues(v.size, 11);
        engine.writeSlot(w.originalName, { m, v: m, t: 3 });
        const back = engine.readSlot(w.originalName);
        assert.deepEqual(back.m, m, w.originalName);
        assert.equal(back.t, 3);
      }
      const before = model.weights.map((w) => Float32Array.from(floatsOf(w.read())));
      engine.pullWeights();
      model.weights.forEach((w, i) => assert.deepEqual(Float32Array.from(floatsOf(w.read())), before[i], w.originalName));
    } finally {
      engine.dispose();
      model.dispose();
    }
  });

  it('a frozen block: no gradient, its BatchNorm normalises with the moving statistics, as the TF.js layer does', () => {
    const { model } = buildModel('tiny_cnn', { numClasses: 2, inputSize: 16 });
    const engine = open(model);
    try {
      const frozen = model.layers.filter((l) => l.name.startsWith('block1'));
      for (const l of frozen) l.trainable = false;
      const trains = model.trainableWeights.map((w) => w.originalName);
      assert.ok(frozen.some((l) => l.getClassName() === 'BatchNormalization'));
      engine.setTraining(new Map(trains.map((k) => [k, 1])));
      const b = batch(4, 16, 3);
      engine.step(b.x, b.shape, b.y, { lr: 0, update: false });
      const ref = tfjsGradients(model, b);
      const native = new Map(trains.map((k) => [k, engine.gradient(k)]));
      assert.ok(relativeDistance(native, ref.grads) < 1e-4);
      for (const l of frozen) for (const w of l.weights) assert.equal(engine.norms().get(w.originalName)!.grad, 0, w.originalName);
    } finally {
      engine.dispose();
      model.dispose();
    }
  });

  for (const [kind, penaltyKind] of [['adam', 'l2-sp'], ['sgd', 'l1-sp'], ['adam', 'l1-sp'], ['sgd', 'l2-sp']] as const) {
    it(`${kind}, ${penaltyKind}: the update equals medft's optimizer loop on the engine's gradients, with multipliers, penalties and clipping`, () => {
      const { model } = buildModel('tiny_cnn', { numClasses: 2, inputSize: 16 });
      const engine = open(model, { ...ADAM, kind });
      try {
        const names = model.trainableWeights.map((w) => w.originalName);
        const head = names.filter((k) => k.startsWith('medft_head'));
        const backbone = names.filter((k) => !k.startsWith('medft_head'));
        const mult = new Map(names.map((k, i) => [k, i === 0 ? 0 : i % 2 ? 1 : 0.5]));
        const values = new Map(model.weights.map((w) => [w.originalName, Float32Array.from(floatsOf(w.read()))]));
        const w0 = new Map(backbone.map((k) => [k, values.get(k)!.map((x, i) => x + 0.01 * Math.sin(i))]));
        for (const [k, v] of w0) engine.setStartingPoint(k, v);
        const headKernel = head.find((k) => k.endsWith('/kernel'))!;
        engine.setTraining(mult, new Map([...backbone.map((k) => [k, 'starting-point'] as const), [headKernel, 'head-kernel'] as const]));
        const b = batch(8, 16, 5);
        const penalty = { kind: penaltyKind, alpha: 0.01, beta: 0.02 };
        // the data gradient alone, then the step with everything
        engine.step(b.x, b.shape, b.y, { lr: 0, update: false });
        const data = new Map(names.map((k) => [k, engine.gradient(k)]));
        const lr = 1e-2;
        const clipNorm = 0.05;
        const r = engine.step(b.x, b.shape, b.y, { lr, penalty, clipNorm });
        // the same in TS: penalty (penalty.ts), clipping (clip.ts's rule), update (optimizer-update.ts)
        let pen = 0;
        const g = new Map<string, Float32Array>();
        for (const k of names) {
          if (mult.get(k) === 0) continue;
          const out = new Float32Array(data.get(k)!.length);
          if (k === headKernel) pen += penaltyTerm('head-l2', penalty.beta, values.get(k)!, null, data.get(k)!, out);
          else if (w0.has(k)) pen += penaltyTerm(penaltyKind, penalty.alpha, values.get(k)!, w0.get(k)!, data.get(k)!, out);
          else out.set(data.get(k)!);
          g.set(k, out);
        }
        const norm = Math.sqrt([...g.values()].reduce((a, x) => a + x.reduce((s, v) => s + v * v, 0), 0));
        assert.ok(Math.abs(r.penalty - pen) <= 1e-5 * pen, `penalty ${r.penalty} vs ${pen}`);
        assert.ok(Math.abs(r.gradNorm - norm) <= 1e-5 * norm, `gradient norm ${r.gradNorm} vs ${norm}`);
        assert.ok(norm > clipNorm, 'the test must clip');
        for (const x of g.values()) for (let i = 0; i < x.length; i++) x[i] *= clipNorm / norm;
        engine.pullWeights();
        for (const k of names) {
          const got = floatsOf(model.weights.find((w) => w.originalName === k)!.read());
          const w = values.get(k)!;
          const want = new Float32Array(w.length);
          const rate = lr * mult.get(k)!;
          if (rate === 0) want.set(w);
          else if (kind === 'sgd') sgdUpdate(want, w, g.get(k)!, new Float32Array(w.length), 0.9, rate);
          else adamUpdate(want, w, g.get(k)!, new Float32Array(w.length), new Float32Array(w.length), { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, stepScale: rate / (1 - 0.9), invC2: 1 / (1 - 0.999), decay: 0 });
          let worst = 0;
          for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i] - w[i]) + 1e-6));
          assert.ok(worst < 1e-2, `${k}: update differs by ${worst.toExponential(2)} of the step`);
        }
      } finally {
        engine.dispose();
        model.dispose();
      }
    });
  }

  it('a bad batch is refused with a message and leaves the engine usable; no memory growth over 1,000 steps', () => {
    const { model } = buildModel('tiny_cnn', { numClasses: 2, inputSize: 16 });
    const engine = open(model);
    try {
      engine.setTraining(new Map(model.trainableWeights.map((w) => [w.originalName, 1])));
      const b = batch(8, 16, 9);
      assert.throws(() => engine.step(b.x.subarray(1), b.shape, b.y, { lr: 1e-3 }), /not 8 images of 16x16x3/);
      assert.throws(() => engine.step(b.x, b.shape, Int32Array.from([0, 1, 2, 0, 1, 0, 1, 0]), { lr: 1e-3 }), /label is outside/);
      for (let i = 0; i < 50; i++) engine.step(b.x, b.shape, b.y, { lr: 1e-3 });
      const rss0 = process.memoryUsage().rss;
      let last = 0;
      for (let i = 0; i < 1000; i++) last = engine.step(b.x, b.shape, b.y, { lr: 1e-3 }).loss;
      const grown = process.memoryUsage().rss - rss0;
      assert.ok(Number.isFinite(last) && last < 0.7, `the loss should fall on a repeated batch, got ${last}`);
      assert.ok(grown < 8 * 2 ** 20, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB over 1,000 steps`);
    } finally {
      engine.dispose();
      model.dispose();
    }
  });
});
