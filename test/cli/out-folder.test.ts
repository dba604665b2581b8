/**
 * `--out` is checked before any work (a file, or a path under a file, is exit 3 naming it, not an internal error after
 * the data and model are loaded); a run that fails removes the folder it created; `finetune` does not overwrite a
 * model or drop an unfinished run's checkpoint without --force; `--resume` without a checkpoint is an error.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { failsWith, imageFolder, medft, tempDir, TINY } from './bad-input-helpers.ts';

const dir = tempDir('medft-out-');
const finetune = (out: string, ...more: string[]) => medft(['finetune', '--data', 'breastmnist', ...TINY, '--out', out, ...more]);

describe('finetune --out', () => {
  it('a file as --out: exit 3 naming it, before the engine or the data are touched', () => {
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const r = finetune(file);
    failsWith(r, 3, /--out .*afile is a file, not a folder/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'no engine banner: nothing ran');
  });

  it('a path under a file: exit 3 naming the file in the way', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    failsWith(finetune(join(dir, 'plain', 'sub')), 3, /plain\/sub cannot be a folder: .*plain is a file/);
  });

  it('a folder that cannot be created: exit 3 naming it', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
    // Under /proc nothing can be created, even by root (and Node's recursive mkdir never returns there).
    failsWith(finetune('/proc/medft-test/out'), 3, /--out \/proc\/medft-test\/out cannot be created \(ENOENT\)/);
  });

  it('an existing folder medft cannot write in: exit 3 naming it', { skip: process.getuid?.() === 0 && 'root writes into read-only folders' }, () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    failsWith(finetune(locked), 3, /--out .*locked is not writable \(EACCES\)/);
  });

  it('run and export: --out that is a file is exit 3 too', () => {
    const file = join(dir, 'runfile');
    writeFileSync(file, 'x');
    const grid = join(dir, 'g.yaml');
    writeFileSync(grid, 'name: g\ndatasets: [breastmnist]\nmodels: [{ name: tiny_cnn, weights: none }]\nstrategies: [ft]\nepochs: 1\ninputSize: 16\nsubset: { train: 16, val: 8, test: 8 }\n');
    failsWith(medft(['run', grid, '--out', file]), 3, /--out .*runfile is a file, not a folder/);
    failsWith(medft(['export', dir, '--out', file]), 3, /--out .*runfile is a file, not a folder/);
  });

  it('a run that fails in training removes the --out folders it created, and keeps a folder that was there', () => {
    const { root, bad } = imageFolder(join(dir, 'damaged'), true);
    const created = join(dir, 'new', 'deeper', 'run');
    const r = medft(['finetune', '--data', root, ...TINY, '--out', created]);
    failsWith(r, 3, new RegExp(bad.replace(/[.]/g, '\\.')), /--skip-bad/);
    assert.ok(!existsSync(join(dir, 'new')), 'the folders this run created are gone');
    const existing = join(dir, 'existing');
    mkdirSync(existing);
    failsWith(medft(['finetune', '--data', root, ...TINY, '--out', existing]), 3, /--skip-bad/);
    assert.ok(statSync(existing).isDirectory(), 'a folder the user made stays');
  });

  it('a folder holding a model is refused without --force; --resume there needs a checkpoint; --force trains again', () => {
    const out = join(dir, 'model');
    assert.equal(finetune(out).status, 0);
    const before = statSync(join(out, 'weights.bin')).mtimeMs;
    failsWith(finetune(out), 3, /model already holds a model \(model\.json, medft\.json\)/, /--force/);
    failsWith(finetune(out, '--resume'), 3, /--resume: .*model holds no checkpoint/, /--force/);
    assert.equal(statSync(join(out, 'weights.bin')).mtimeMs, before, 'the model was not touched');
    const again = finetune(out, '--force');
    assert.equal(again.status, 0, again.stderr);
    assert.ok(statSync(join(out, 'weights.bin')).mtimeMs > before);
  });

  it('--resume with no checkpoint names the folder instead of silently starting over', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    failsWith(finetune(empty, '--resume'), 3, /--resume: .*empty holds no checkpoint to continue from/, /drop --resume/);
    failsWith(finetune(join(dir, 'nowhere'), '--resume'), 3, /--resume: .*nowhere does not exist/);
    assert.ok(!existsSync(join(dir, 'nowhere')));
  });

  it("an unfinished run's checkpoint is kept: without --resume or --force the folder is refused", () => {
    const out = join(dir, 'unfinished');
    // commander keeps the last --epochs: two epochs, stopped after the first.
    const first = finetune(out, '--epochs', '2', '--stop-after', '1');
    assert.equal(first.status, 0, first.stderr);
    failsWith(finetune(out), 3, /checkpoint of an unfinished run/, /--resume/, /--force/);
  });
});

describe('the order of the checks', () => {
  it('a usage mistake is reported before the --out folder is looked at (and nothing is created)', () => {
    const out = join(dir, 'model');
    failsWith(medft(['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--strategy', 'bogus', '--out', out]), 2, /unknown strategy 'bogus'/);
    failsWith(medft(['finetune', '--data', 'breastmnist', ...TINY, '--lr', 'fast', '--out', join(dir, 'never')]), 2, /--lr must be a positive number/);
    assert.ok(!existsSync(join(dir, 'never')));
  });
});

describe('the flags the messages name', () => {
  it('a MedMNIST name not downloaded: finetune says --download, and accepts it', () => {
    const empty = tempDir('medft-nodata-');
    failsWith(medft(['finetune', '--data', 'dermamnist', ...TINY, '--out', join(dir, 'derma')], { env: { MEDFT_DATA_DIR: empty, MEDFT_CACHE_DIR: empty } }), 4,
      /dermamnist\.npz not found/, /rerun with --download/);
    assert.ok(!existsSync(join(dir, 'derma')));
    assert.match(medft(['finetune', '--help']).stdout, /--download +download a MedMNIST dataset named by --data/);
  });
});
