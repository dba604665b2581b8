/**
 * Weight loading by name from files the tests write themselves: Keras .h5 (via h5wasm, in the keras.applications
 * layout) and TF.js folders / weights-only manifests. Loaded values must equal the written ones bit for bit; every
 * failure must name the tensor and the file and leave the model untouched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError, ResourceError } from '../../src/errors.ts';
import { buildModel, createModel, loadWeights } from '../../src/models/index.ts';
import { randomValues } from '../helpers/backends.ts';
import { writeKerasH5, type FixtureLayer } from './keras-h5-fixture.ts';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'medft-weights-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Fresh values for every weight of `model`, grouped as a Keras file would hold them. */
function fixtureFor(model: tfl.LayersModel, seed: number): FixtureLayer[] {
  let s = seed;
  return model.layers.map((l) => ({
    name: l.name,
    weights: l.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, d) => a * d, 1);
      return { name: w.originalName.split('/').pop()!, shape, data: randomValues(n, s++) };
    }),
  }));
}

function snapshot(model: tfl.LayersModel): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const l of model.layers) for (const w of l.weights) m.set(w.originalName, w.read().dataSync() as Float32Array);
  return m;
}

function assertEqualsFixture(model: tfl.LayersModel, fx: FixtureLayer[], skipLayers: string[] = []): number {
  let n = 0;
  for (const l of fx) {
    if (skipLayers.includes(l.name)) continue;
    const vars = model.getLayer(l.name).weights;
    for (const w of l.weights) {
      const v = vars.find((x) => x.originalName === `${l.name}/${w.name}`)!;
      assert.deepEqual(Buffer.from((v.read().dataSync() as Float32Array).buffer), Buffer.from(w.data.buffer), `${l.name}/${w.name} differs`);
      n++;
    }
  }
  return n;
}

const tiny = (numClasses = 3) => buildModel('tiny_cnn', { numClasses, inputSize: 16 }).model;
const TINY_TENSORS = 3 + 3 * 4 + 2;

describe('Keras .h5', () => {
  it('round trip: a keras-layout file written with h5wasm loads bit for bit, every tensor matched', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 11);
    src.dispose();
    const file = path.join(dir, 'tiny.h5');
    await writeKerasH5(file, fx);
    const model = tiny();
    const r = await loadWeights(model, file);
    assert.equal(r.format, 'keras-h5');
    assert.equal(r.matched.length, TINY_TENSORS);
    assert.deepEqual([r.missing, r.unexpected, r.shapeMismatched, r.matchedByPosition], [[], [], [], []]);
    assert.equal(r.matchedParams, model.countParams());
    assert.ok(r.backboneComplete);
    assert.equal(assertEqualsFixture(model, fx), TINY_TENSORS);
    model.dispose();
  });

  it('Keras variants: split layer_names attribute, full-model file (model_weights/), Keras-1 weight names', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 23);
    src.dispose();
    for (const [label, opts] of [
      ['split', { splitLayerNames: 4 }],
      ['model_weights', { underModelWeights: true }],
      ['old names', { oldWeightNames: true }],
    ] as const) {
      const file = path.join(dir, `variant-${label.replace(/ /g, '_')}.h5`);
      await writeKerasH5(file, fx, opts);
      const model = tiny();
      const r = await loadWeights(model, file);
      assert.equal(r.matched.length, TINY_TENSORS, label);
      assert.equal(assertEqualsFixture(model, fx), TINY_TENSORS, label);
      if (label === 'old names') assert.equal(r.matchedByPosition.length, TINY_TENSORS);
      model.dispose();
    }
  });

  it('a backbone tensor missing from the file is an error naming it and the file; the model is left untouched', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 31).filter((l) => l.name !== 'block1_bn');
    src.dispose();
    const file = path.join(dir, 'missing.h5');
    await writeKerasH5(file, fx);
    const model = tiny();
    const before = snapshot(model);
    await assert.rejects(loadWeights(model, file), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, /block1_bn\/gamma/);
      assert.match(e.message, /4 tensors of the model are not in the file/);
      return true;
    });
    assert.deepEqual(snapshot(model), before, 'nothing assigned after a failed load');
    model.dispose();
  });

  it('a backbone shape mismatch is an error naming tensor, both shapes and the file', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 41);
    src.dispose();
    const stem = fx.find((l) => l.name === 'stem_conv')!;
    stem.weights[0] = { name: 'kernel', shape: [3, 3, 3, 8], data: randomValues(3 * 3 * 3 * 8, 5) };
    const file = path.join(dir, 'mismatch.h5');
    await writeKerasH5(file, fx);
    const model = tiny();
    await assert.rejects(loadWeights(model, file, { allowHeadMismatch: true }), (e: Error) =>
      e instanceof InputError && e.message.includes(file) && /stem_conv\/kernel model \[3,3,3,16\] vs file \[3,3,3,8\]/.test(e.message));
    model.dispose();
  });

  it('head: a different class count is an error unless allowed; allowed, the head keeps its initial values', async () => {
    const src = tiny(5);
    const fx = fixtureFor(src, 53);
    src.dispose();
    const file = path.join(dir, 'head5.h5');
    await writeKerasH5(file, fx);
    const model = tiny(3);
    await assert.rejects(loadWeights(model, file), (e: Error) =>
      e instanceof InputError && /medft_head_dense\/kernel model \[64,3\] vs file \[64,5\]/.test(e.message) && /allowHeadMismatch/.test(e.message));
    const headBefore = model.getLayer('medft_head_dense').getWeights().map((t) => Array.from(t.dataSync()));
    const r = await loadWeights(model, file, { allowHeadMismatch: true });
    assert.deepEqual(r.shapeMismatched.map((m) => [m.name, m.head]), [['medft_head_dense/kernel', true], ['medft_head_dense/bias', true]]);
    assert.equal(r.matched.length, TINY_TENSORS - 2);
    assert.deepEqual(model.getLayer('medft_head_dense').getWeights().map((t) => Array.from(t.dataSync())), headBefore);
    assertEqualsFixture(model, fx, ['medft_head_dense']);
    model.dispose();
  });

  it('a backbone-only file fills a model with a new head; a Keras top the model lacks is tolerated; foreign layers are not', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 61);
    src.dispose();
    const backbone = fx.filter((l) => !l.name.startsWith('medft_head_'));
    const withTop = [...backbone, { name: 'predictions', weights: [{ name: 'kernel', shape: [64, 1000], data: randomValues(64000, 1) }] }];
    const file = path.join(dir, 'with-top.h5');
    await writeKerasH5(file, withTop);
    const model = tiny();
    const r = await loadWeights(model, file);
    assert.deepEqual(r.missing, ['medft_head_dense/kernel', 'medft_head_dense/bias']);
    assert.deepEqual(r.unexpected, ['predictions/kernel']);
    assert.ok(r.backboneComplete);
    assertEqualsFixture(model, backbone);

    const foreign = path.join(dir, 'foreign.h5');
    await writeKerasH5(foreign, [...backbone, { name: 'conv5_block3_3_conv', weights: [{ name: 'kernel', shape: [2], data: randomValues(2, 3) }] }]);
    await assert.rejects(loadWeights(model, foreign), (e: Error) =>
      e instanceof InputError && e.message.includes(foreign) && /conv5_block3_3_conv\/kernel/.test(e.message) && /no place in the model/.test(e.message));
    model.dispose();
  });

  it('createModel loads a path and reports; bad paths are ResourceError / InputError', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 71);
    src.dispose();
    const file = path.join(dir, 'create.h5');
    await writeKerasH5(file, fx);
    const { model, loadReport } = await createModel('tiny_cnn', { numClasses: 3, inputSize: 16, weights: file });
    assert.equal(loadReport!.matched.length, TINY_TENSORS);
    assertEqualsFixture(model, fx);
    model.dispose();
    await assert.rejects(createModel('tiny_cnn', { numClasses: 3, weights: path.join(dir, 'nope.h5') }), ResourceError);
    const junk = path.join(dir, 'junk.h5');
    writeFileSync(junk, 'not hdf5');
    await assert.rejects(createModel('tiny_cnn', { numClasses: 3, weights: junk }), (e: Error) => e instanceof InputError && e.message.includes(junk));
    const txt = path.join(dir, 'weights.txt');
    writeFileSync(txt, 'x');
    await assert.rejects(createModel('tiny_cnn', { numClasses: 3, weights: txt }), InputError);
  });
});

describe('TF.js weights', () => {
  function writeTfjs(folder: string, fx: FixtureLayer[], topology: unknown): void {
    // Two groups, each in two shards split mid-tensor, as tensorflowjs_converter shards large groups.
    const entries = fx.flatMap((l) => l.weights.map((w) => ({ name: `${l.name}/${w.name}`, shape: w.shape, dtype: 'float32', data: w.data })));
    const half = Math.ceil(entries.length / 2);
    const groups = [entries.slice(0, half), entries.slice(half)];
    const manifest = groups.map((g, gi) => {
      const bytes = Buffer.concat(g.map((e) => Buffer.from(e.data.buffer)));
      const cut = Math.floor(bytes.length / 2);
      const paths = [`group${gi + 1}-shard1of2`, `group${gi + 1}-shard2of2`];
      writeFileSync(path.join(folder, paths[0]), bytes.subarray(0, cut));
      writeFileSync(path.join(folder, paths[1]), bytes.subarray(cut));
      return { paths, weights: g.map(({ name, shape, dtype }) => ({ name, shape, dtype })) };
    });
    writeFileSync(path.join(folder, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: manifest }));
  }

  it('weights-only manifest (modelTopology null) and layers folder load bit for bit', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 83);
    src.dispose();
    for (const topology of [null, { class_name: 'Model' }]) {
      const folder = mkdtempSync(path.join(dir, 'tfjs-'));
      writeTfjs(folder, fx, topology);
      const model = tiny();
      const r = await loadWeights(model, folder);
      assert.equal(r.format, topology == null ? 'tfjs-weights-manifest' : 'tfjs-layers');
      assert.equal(r.matched.length, TINY_TENSORS);
      assertEqualsFixture(model, fx);
      model.dispose();
    }
  });

  it('a missing or truncated shard is an error naming the shard', async () => {
    const src = tiny();
    const fx = fixtureFor(src, 89);
    src.dispose();
    const folder = mkdtempSync(path.join(dir, 'tfjs-bad-'));
    writeTfjs(folder, fx, null);
    rmSync(path.join(folder, 'group2-shard2of2'));
    const model = tiny();
    await assert.rejects(loadWeights(model, folder), (e: Error) => e instanceof InputError && /group2-shard2of2/.test(e.message));
    writeFileSync(path.join(folder, 'group2-shard2of2'), Buffer.alloc(8));
    await assert.rejects(loadWeights(model, folder), (e: Error) => e instanceof InputError && /group2-shard1of2, group2-shard2of2 hold \d+ bytes/.test(e.message));
    model.dispose();
  });
});
