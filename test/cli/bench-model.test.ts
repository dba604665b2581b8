/** `medft bench --model`: the train step's figures are self-consistent, and PyTorch is timed when installed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from '../../src/bench/torch-reference.ts';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
/** What the child's engine will use: the oneDNN addon when it is built and not switched off. */
const accelerator = process.env.MEDFT_ACCELERATOR !== 'none' && tryLoadOneDnn().addon ? 'onednn' : 'none';
const bench = (args: string[]) => spawnSync(process.execPath, [bin, 'bench', ...args, '--json', '--backend', 'wasm'],
  { encoding: 'utf8', timeout: 300_000 });

describe('medft bench --model', () => {
  it('tiny_cnn on TF.js: images/s, GFLOP/s and breakdown agree with each other', () => {
    const r = bench(['--model', 'tiny_cnn', '--size', '32', '--batch', '4', '--steps', '3', '--no-torch', '--engine', 'tfjs']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.backend, 'wasm');
    assert.equal(out.engine, 'tfjs');
    assert.equal(out.accelerator, accelerator);
    assert.equal(out.replicas, accelerator === 'none' ? os.availableParallelism() : 1, '--replicas auto');
    assert.ok(out.trainImagesPerSec > 0 && out.forwardImagesPerSec > out.trainImagesPerSec, 'forward is faster than a step');
    assert.ok(Math.abs(out.stepOverForward - out.forwardImagesPerSec / out.trainImagesPerSec) < 1e-9);
    // a step is 3× the forward's FLOPs: GFLOP/s ratios follow from images/s ratios
    assert.ok(Math.abs(out.trainGflopsPerSec / out.forwardGflopsPerSec - 3 / out.stepOverForward) < 1e-9);
    const kernels: string[] = out.breakdown.map((b: { kernel: string }) => b.kernel);
    assert.ok(kernels.includes('Conv2DBackpropFilter'), `breakdown lists the gradient kernels: ${kernels}`);
    if (out.replicas > 1) assert.ok(kernels.includes('replicas: sum gradients'), `breakdown lists the replicas' sync: ${kernels}`);
    assert.equal(out.torchTrainImagesPerSec, null);
    assert.equal(out.ratioVsTorch, null);
  });

  it('tiny_cnn on the native engine: the same figures, the breakdown by op', { skip: accelerator === 'none' ? 'no oneDNN addon in use' : false }, () => {
    const r = bench(['--model', 'tiny_cnn', '--size', '32', '--batch', '4', '--steps', '3', '--no-torch', '--engine', 'native']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.engine, 'native');
    assert.equal(out.replicas, 1);
    assert.ok(out.trainImagesPerSec > 0 && out.forwardImagesPerSec > out.trainImagesPerSec, 'forward is faster than a step');
    assert.ok(Math.abs(out.trainGflopsPerSec / out.forwardGflopsPerSec - 3 / out.stepOverForward) < 1e-9);
    const kernels: string[] = out.breakdown.map((b: { kernel: string }) => b.kernel);
    for (const k of ['conv fwd', 'conv bwd', 'batchnorm bwd', 'optimizer']) assert.ok(kernels.includes(k), `breakdown lists ${k}: ${kernels}`);
  });

  it('a batch smaller than the replica count runs on one engine instead of failing', () => {
    const r = bench(['--model', 'tiny_cnn', '--size', '16', '--batch', '1', '--steps', '1', '--no-torch', '--engine', 'tfjs', '--replicas', accelerator === 'none' ? '2' : '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).trainImagesPerSec > 0);
  });

  const python = findTorchPython();
  it('resnet50: PyTorch is timed in the same run and the ratio is the quotient of the two', { skip: python ? false :
    'PyTorch not installed (apt-get install python3-torch python3-torchvision) — comparison not tested' }, () => {
    const r = bench(['--model', 'resnet50', '--size', '32', '--batch', '2', '--steps', '2', '--torch-threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.torchTrainImagesPerSec > 0);
    assert.equal(out.torch.threads, 1);
    assert.ok(Math.abs(out.ratioVsTorch - out.trainImagesPerSec / out.torchTrainImagesPerSec) < 1e-9);
  });
});
