/**
 * Paths in an experiment file are relative to the file's folder, not to where medft runs; names stay names. Checked
 * on the rule itself, on starting weights, and on experiments/acceptance-grid.yaml (written for that rule).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.ts';
import { experimentDataPath, withLocalPaths } from '../../src/experiment/data.ts';
import { planExperiment } from '../../src/experiment/runner.ts';
import { tempDir, testPaths } from '../data/fixtures.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('paths resolve against the experiment file, names stay names', () => {
  const base = tempDir('medft-paths-');
  const paths = testPaths();
  writeFileSync(join(base, 'beside.npz'), '');
  mkdirSync(join(base, 'folder'));
  assert.equal(experimentDataPath('/abs/x.npz', base, paths), '/abs/x.npz');
  assert.equal(experimentDataPath('../data/x.npz', base, paths), resolve(base, '../data/x.npz'));
  assert.equal(experimentDataPath('sub/x.csv', base, paths), join(base, 'sub', 'x.csv'), 'missing paths too: the error then names this path');
  assert.equal(experimentDataPath('beside.npz', base, paths), join(base, 'beside.npz'));
  assert.equal(experimentDataPath('folder', base, paths), join(base, 'folder'));
  assert.equal(experimentDataPath('breastmnist', base, paths), 'breastmnist');
  assert.equal(experimentDataPath('dermamnist_64', base, paths), 'dermamnist_64');
  assert.throws(() => experimentDataPath('nosuchdata', base, paths), (e: unknown) =>
    e instanceof InputError && e.message.includes(`not at ${join(base, 'nosuchdata')}`) && /not a MedMNIST name/.test(e.message) && !/--download/.test(e.message));
});

test("a cell's weights path resolves the same way; its id stays the hash of the file's own text", () => {
  const base = tempDir('medft-paths-');
  const file = join(base, 'g.yaml');
  writeFileSync(file, 'name: g\ndatasets: [breastmnist]\nmodels: [{ name: tiny_cnn, weights: init }]\nstrategies: [ft]\n');
  const [cell] = planExperiment(file).cells;
  const paths = testPaths();
  const local = withLocalPaths(cell, base, paths);
  assert.equal(local.id, cell.id);
  assert.equal(local.config.model.weights, join(base, 'init'));
  assert.equal(cell.config.model.weights, 'init', 'the planned cell keeps what the file says');
  assert.equal(withLocalPaths({ ...cell, config: { ...cell.config, model: { ...cell.config.model, weights: 'imagenet' } } }, base, paths).config.model.weights, 'imagenet');
});

test('experiments/acceptance-grid.yaml names the shared PneumoniaMNIST copy relative to its own folder', () => {
  const file = join(repo, 'experiments', 'acceptance-grid.yaml');
  const pneu = planExperiment(file).cells.find((c) => c.config.dataset.name === 'pneumoniamnist-mod')!;
  assert.equal(experimentDataPath(pneu.config.dataset.data, dirname(file), testPaths()), resolve(repo, '..', 'shared', 'data', 'pneumoniamnist-modified', 'pneumoniamnist.npz'));
});

test("not-found messages: an absolute path once (not joined onto MEDFT_DATA_DIR), a relative one where it was looked for, names as names", async () => {
  const { detectKind } = await import('../../src/data/open.ts');
  const paths = testPaths({ dataDir: tempDir('medft-dd-') });
  await assert.rejects(detectKind('/tmp/medft-none/x.npz', paths), { message: "dataset '/tmp/medft-none/x.npz' not found: no such file or folder" });
  await assert.rejects(detectKind('sub/x.npz', paths), (e: Error) => /looked at .*sub\/x\.npz and .*sub\/x\.npz\)$/.test(e.message) && !/MedMNIST/.test(e.message));
  await assert.rejects(detectKind('nosuchdata', paths), /and not a MedMNIST name \(pathmnist/);
  assert.deepEqual(await detectKind('breastmnist.npz', paths), { kind: 'medmnist', path: null }, "a MedMNIST file name is still a name");
});
