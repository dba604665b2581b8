/**
 * medft finetune → evaluate → predict end to end on the real BreastMNIST with tiny_cnn at 16 px: an interrupted run
 * resumed from its checkpoint, the saved folder reloaded with the same test metrics, predictions on PNG files, and
 * one-line usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import { png, sharedDataDir, tempDir, write } from '../data/fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MEDFT_DATA_DIR: sharedDataDir() }, timeout: 300_000 });
const accelerator = process.env.MEDFT_ACCELERATOR !== 'none' && tryLoadOneDnn().addon ? 'onednn' : 'none';
const dir = tempDir('medft-finetune-');
const out = join(dir, 'run');
const common = ['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--size', '16', '--strategy', 'lp-ft', '--epochs', '2', '--batch', '32', '--lr', '1e-3', '--out', out];

describe('medft finetune / evaluate / predict', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops after epoch 1, resumes from the checkpoint, and saves model, medft.json, metrics and curves', () => {
    const first = medft([...common, '--stop-after', '1']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr.split('\n')[0], /^medft .* backend wasm/);
    assert.match(first.stderr, /epoch 1\/2 \[lp\] loss [\d.]+ · val loss [\d.]+ acc [\d.]+ bacc [\d.]+ auc [\d.]+ · lr .* img\/s/);
    assert.match(first.stderr, /stopped after epoch 1; continue with the same command plus --resume/);
    assert.ok(existsSync(join(out, 'checkpoint', 'checkpoint', 'state.json')));

    const second = medft([...common, '--resume']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /resumed after epoch 1/);
    assert.doesNotMatch(second.stderr, /epoch 1\/2/);
    assert.match(second.stderr, /epoch 2\/2 \[ft\]/);
    // --replicas auto: every core on pure wasm, one engine with the accelerator
    const replicas = accelerator === 'none' ? os.availableParallelism() : 1;
    if (replicas > 1) assert.match(second.stderr, new RegExp(`data-parallel: each batch split over ${replicas} wasm engines`));
    else assert.doesNotMatch(second.stderr, /data-parallel/);
    assert.match(second.stdout, /^test \(n = 156\): accuracy [\d.]+ · balanced accuracy/);
    for (const f of ['model.json', 'weights.bin', 'medft.json', 'metrics.json', 'curves.csv', 'learning-curves.svg', 'roc-pr.svg']) assert.ok(existsSync(join(out, f)), f);
    // The charts the report draws, of this run: BreastMNIST's positive class is 'malignant'.
    assert.match(readFileSync(join(out, 'roc-pr.svg'), 'utf8'), /positive class: (&quot;|")malignant(&quot;|")/);
    assert.match(readFileSync(join(out, 'learning-curves.svg'), 'utf8'), />validation loss</);
    assert.ok(!existsSync(join(out, 'checkpoint')), 'checkpoint removed after a finished run');
    const meta = JSON.parse(readFileSync(join(out, 'medft.json'), 'utf8'));
    assert.equal(meta.model.name, 'tiny_cnn');
    assert.equal(meta.preprocess.inputSize, 16);
    assert.deepEqual(meta.classNames, ['malignant', 'normal, benign']);
    assert.equal(meta.strategy.strategy, 'lp-ft');
    assert.deepEqual(meta.strategy.phases.map((p: { name: string; lr: number }) => [p.name, p.lr]), [['lp', 1e-2], ['ft', 1e-3]]);
    // The RunSpec as it ran: the flags resolved, the strategy's parameters with their defaults, the engine.
    assert.deepEqual(meta.spec.data, { path: 'breastmnist', skipBad: false });
    assert.deepEqual(meta.spec.model, { name: 'tiny_cnn', weights: null, inputSize: 16, dropout: 0 });
    assert.deepEqual(meta.spec.strategy, { id: 'lp-ft', params: meta.strategy.params });
    assert.deepEqual([meta.spec.epochs, meta.spec.lr, meta.spec.train.batchSize, meta.spec.train.seed], [2, 1e-3, 32, 0]);
    assert.equal(meta.spec.engine.replicas, replicas);
    assert.equal(meta.engine.backend, 'wasm');
    assert.equal(meta.engine.replicas, replicas);
    assert.equal(meta.data.splits.test.size, 156);
    const curves = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
    assert.equal(curves.length, 3);
    assert.match(curves[0], /^epoch,phase,trainable_blocks,lr_start/);
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    assert.equal(modelJson.format, 'layers-model');
    assert.equal(modelJson.weightsManifest[0].paths[0], 'weights.bin');
  });

  it('evaluate reloads the folder and reproduces the test metrics; predict classifies image files', () => {
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const r = medft(['evaluate', '--model', out, '--data', 'breastmnist', '--split', 'test', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.n, 156);
    assert.equal(report.accuracy, metrics.test.accuracy);
    assert.equal(report.macroAuc, metrics.test.macroAuc);
    const a = write(join(dir, 'a.png'), png(28, 28, 1, 8, Array.from({ length: 784 }, (_, i) => i % 256)));
    // A name with a comma and a quote: the CSV must quote it (RFC 4180) so that it stays one field.
    const b = write(join(dir, 'b, "2".png'), png(40, 30, 3, 8, Array.from({ length: 3600 }, (_, i) => (i * 7) % 256)));
    const p = medft(['predict', '--model', out, a, b, '--quiet']);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stderr, '', '--quiet: no banner');
    const lines = p.stdout.trim().split('\n');
    assert.equal(lines[0], 'file,predicted,p_malignant,"p_normal, benign"');
    assert.equal(lines.length, 3);
    const fields = (l: string) => [...l.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
    const json = JSON.parse(medft(['predict', '--model', out, a, b, '--json']).stdout);
    lines.slice(1).forEach((l, i) => {
      const [file, predicted, p0, p1] = fields(l);
      assert.equal(file, [a, b][i]);
      assert.ok(Math.abs(Number(p0) + Number(p1) - 1) < 1e-5);
      assert.equal(predicted, Number(p0) >= Number(p1) ? 'malignant' : 'normal, benign');
      assert.deepEqual([json[i].file, json[i].predicted, json[i].probabilities.malignant], [file, predicted, Number(p0)]);
    });
  });

  it('usage errors are one line with exit 2', () => {
    for (const [args, msg] of [
      [['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--strategy', 'bogus', '--out', out], /unknown strategy 'bogus'/],
      [['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--strategy', 'lp-ft', '--epochs', '1', '--out', out], /lp-ft needs at least one LP and one FT epoch/],
      [['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--strategy', 'l2-sp', '--param', 'gamma=1', '--out', out], /Unrecognized key/],
    ] as const) {
      const r = medft([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
  });

  it('on the TF.js path, a batch that cannot fit the wasm heap fails before training, naming the batch that fits, per replica count', () => {
    const fresh = join(dir, 'too-big');
    for (const [replicas, fits] of [['1', 11], ['2', 22]] as const) {
      const r = medft(['finetune', '--data', 'breastmnist', '--model', 'resnet50', '--size', '224', '--batch', '64', '--weights', 'none',
        '--strategy', 'ft', '--epochs', '1', '--replicas', replicas, '--backend', 'wasm', '--engine', 'tfjs', '--out', fresh]);
      assert.equal(r.status, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`resnet50 at 224×224 at batch 64.* needs about [\\d.]+ GiB of wasm memory per engine.*use --batch ${fits} or less`));
      assert.match(r.stderr, /or --replicas 6 to split it over 6 engines with a heap each/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.ok(!existsSync(fresh), 'nothing written');
    }
  });
});
