/**
 * Experiment files → cells: validation messages name the file and the field; every cell's config is fully resolved
 * (strategy and loop defaults); ids are hashes of that config (stable, key-order free, sensitive to every value);
 * the stratified subset keeps class proportions.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson, cellId, expandCells } from '../../src/experiment/cells.ts';
import { stratifiedHead } from '../../src/experiment/data.ts';
import { longestFirst } from '../../src/experiment/order.ts';
import { loadExperiment, parseExperiment } from '../../src/experiment/spec.ts';
import { InputError } from '../../src/errors.ts';
import { resolveParams } from '../../src/strategies/index.ts';
import { tempDir } from '../data/fixtures.ts';

const base = {
  name: 'grid',
  datasets: ['breastmnist', { name: 'pneu', data: 'pneumoniamnist', subset: { train: 40 } }],
  models: ['tiny_cnn', { name: 'resnet50', inputSize: 64 }],
  strategies: ['ft', { id: 'lp-ft', params: { lpEpochs: 1 } }, { id: 'l2-sp', params: { alpha: 0.5 }, lr: 0.001 }],
  seeds: [0, 1],
  epochs: 3,
};

describe('experiment spec → cells', () => {
  it('expands datasets × models × strategies × seeds with resolved configs and unique, stable ids', () => {
    const cells = expandCells(parseExperiment(base, 'grid.yaml'), 'grid.yaml');
    assert.equal(cells.length, 2 * 2 * 3 * 2);
    assert.equal(new Set(cells.map((c) => c.id)).size, cells.length);
    const lpft = cells.find((c) => c.config.strategy.id === 'lp-ft')!;
    // Every default of the strategy's schema is filled in (whatever the schema holds today).
    assert.deepEqual(lpft.config.strategy.params, resolveParams('lp-ft', { lpEpochs: 1 }));
    assert.equal(lpft.config.strategy.params.lpLrFactor, 10);
    assert.equal(lpft.config.train.batchSize, 16);
    assert.equal(lpft.config.train.earlyStopping.patience, 5);
    assert.equal(lpft.config.lr, 1e-4);
    const l2 = cells.find((c) => c.config.strategy.id === 'l2-sp')!;
    assert.equal(l2.config.lr, 0.001);
    assert.deepEqual(l2.config.strategy.params, resolveParams('l2-sp', { alpha: 0.5 }));
    assert.equal(l2.config.strategy.params.beta, 0.01);
    assert.equal(cells.find((c) => c.config.dataset.name === 'pneu')!.config.dataset.subset!.train, 40);
    assert.equal(cells.find((c) => c.config.model.name === 'resnet50')!.config.model.inputSize, 64);
    assert.equal(cells[0].config.model.weights, 'imagenet');
    for (const c of cells) assert.equal(c.config.train.seed, c.config.seed);
    assert.equal(cells[0].caseName, 'breastmnist × tiny_cnn');
    // Same file, same ids; the id is the hash of the canonical config.
    assert.deepEqual(expandCells(parseExperiment(base, 'x'), 'x').map((c) => c.id), cells.map((c) => c.id));
    for (const c of cells) assert.equal(c.id, cellId(c.config));
  });

  it('gives the id of a cell independently of key order and of where the cell sits in the grid, and changes it with any value', () => {
    const a = expandCells(parseExperiment({ ...base, seeds: [1] }, 'a'), 'a');
    const b = expandCells(parseExperiment(base, 'b'), 'b');
    for (const c of a) assert.ok(b.some((x) => x.id === c.id), 'a sub-grid shares its cells\' ids');
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), canonicalJson({ a: [2, { c: 4, d: 3 }], b: 1 }));
    const changed = expandCells(parseExperiment({ ...base, train: { batchSize: 8 } }, 'c'), 'c');
    assert.ok(changed.every((c) => !b.some((x) => x.id === c.id)));
    const ids = new Set(b.map((c) => c.id));
    const explicit = expandCells(parseExperiment({ ...base, strategies: [{ id: 'lp-ft', params: { lpEpochs: 1, lpLrFactor: 10 } }] }, 'd'), 'd');
    assert.ok(explicit.every((c) => ids.has(c.id)), 'writing a default explicitly does not change the cell');
  });

  it('names the file and the field in every validation error', () => {
    const bad = (doc: unknown, re: RegExp) => assert.throws(() => expandCells(parseExperiment(doc, 'exp.yaml'), 'exp.yaml'), (e: Error) => {
      assert.ok(e instanceof InputError, e.message);
      assert.match(e.message, /^exp\.yaml: /);
      assert.match(e.message, re);
      return true;
    });
    bad({ ...base, epochs: 'ten' }, /epochs: /);
    bad({ ...base, seeds: [-1] }, /seeds\[0\]: /);
    bad({ ...base, lr: 0 }, /lr: /);
    bad({ ...base, strategies: ['ft', 'sgdr'] }, /strategies\[1\] \(sgdr\): unknown strategy 'sgdr'/);
    bad({ ...base, strategies: [{ id: 'l2-sp', params: { gamma: 1 } }] }, /strategies\[0\] \(l2-sp\): .*gamma/);
    bad({ ...base, strategies: [{ id: 'lp-ft', params: { lpEpochs: 3 } }] }, /strategies\[0\] \(lp-ft\): lp-ft needs at least one LP and one FT epoch/);
    bad({ ...base, models: ['resnet51'] }, /models\[0\]: unknown model 'resnet51'/);
    bad({ ...base, epoch: 3 }, /epoch/);
    bad({ ...base, train: { batchSize: 0 } }, /train\.batchSize: /);
    bad({ ...base, datasets: [] }, /datasets: /);
    bad({ ...base, strategies: ['ft', 'ft'] }, /the same cell appears twice/);
    const dir = tempDir('medft-spec-');
    writeFileSync(join(dir, 'broken.yaml'), 'name: x\ndatasets: [a\n');
    assert.throws(() => loadExperiment(join(dir, 'broken.yaml')), /broken\.yaml: not valid YAML/);
    assert.throws(() => loadExperiment(join(dir, 'missing.yaml')), /missing\.yaml: cannot read the experiment file/);
  });

  it('expands an LR grid into one cell per candidate: top-level grid for every strategy, a strategy\'s own grid or lr overrides it', () => {
    const doc = { ...base, datasets: ['breastmnist'], models: ['tiny_cnn'], seeds: [0], lrGrid: [1e-4, 1e-3],
      strategies: ['ft', { id: 'lp', lrGrid: [3e-4, 3e-3, 3e-2] }, { id: 'l2-sp', lr: 0.01 }] };
    const cells = expandCells(parseExperiment(doc, 'g.yaml'), 'g.yaml');
    const lrsOf = (id: string) => cells.filter((c) => c.config.strategy.id === id).map((c) => c.config.lr);
    assert.deepEqual(lrsOf('ft'), [1e-4, 1e-3]);
    assert.deepEqual(lrsOf('lp'), [3e-4, 3e-3, 3e-2]);
    assert.deepEqual(lrsOf('l2-sp'), [0.01]);
    assert.equal(new Set(cells.map((c) => c.id)).size, 6);
    for (const c of cells) assert.equal(c.config.lrCandidate, c.config.strategy.id === 'l2-sp' ? undefined : true);
    // A cell outside any grid keeps the id it had before grids existed (the marker is absent, not false).
    const plain = expandCells(parseExperiment({ ...doc, lrGrid: undefined }, 'p.yaml'), 'p.yaml').find((c) => c.config.strategy.id === 'l2-sp')!;
    assert.equal(plain.id, cells.find((c) => c.config.strategy.id === 'l2-sp')!.id);
    assert.equal(plain.id, cellId(JSON.parse(JSON.stringify(plain.config))));
  });

  it("expands lrGrid: auto into each strategy's own grid (a strategy's own lrGrid or lr still wins)", () => {
    const doc = { ...base, datasets: ['breastmnist'], models: ['tiny_cnn'], seeds: [0], lrGrid: 'auto',
      strategies: ['ft', 'lp', 'auto-rgn', { id: 'l2-sp', lrGrid: [1e-3, 1e-2] }, { id: 'l1-sp', lr: 0.01 }, { id: 'gu-lf', lrGrid: 'auto' }] };
    const cells = expandCells(parseExperiment(doc, 'a.yaml'), 'a.yaml');
    const lrsOf = (id: string) => cells.filter((c) => c.config.strategy.id === id).map((c) => c.config.lr);
    assert.deepEqual(lrsOf('ft'), [1e-5, 3e-5, 1e-4, 3e-4]);
    assert.deepEqual(lrsOf('lp'), [3e-5, 1e-4, 3e-4, 1e-3]);
    assert.deepEqual(lrsOf('auto-rgn'), [1e-4, 3e-4, 1e-3, 3e-3]);
    assert.deepEqual(lrsOf('l2-sp'), [1e-3, 1e-2]);
    assert.deepEqual(lrsOf('l1-sp'), [0.01]);
    assert.deepEqual(lrsOf('gu-lf'), [1e-5, 3e-5, 1e-4, 3e-4]);
  });

  it('rejects a bad LR grid with the file and the field', () => {
    const bad = (doc: unknown, re: RegExp) => assert.throws(() => parseExperiment(doc, 'exp.yaml'), (e: Error) => {
      assert.ok(e instanceof InputError, e.message);
      assert.match(e.message, re);
      return true;
    });
    bad({ ...base, lrGrid: [] }, /^exp\.yaml: lrGrid: an empty grid/);
    bad({ ...base, lrGrid: [1e-3, -1e-3] }, /^exp\.yaml: lrGrid\[1\]: every LR must be > 0/);
    bad({ ...base, strategies: [{ id: 'ft', lrGrid: [1e-3, 3e-4, 1e-3] }] }, /^exp\.yaml: strategies\[0\]\.lrGrid: LR 0\.001 appears twice/);
    bad({ ...base, strategies: [{ id: 'ft', lr: 1e-3, lrGrid: [1e-3] }] }, /^exp\.yaml: strategies\[0\]\.lrGrid: give either lr or lrGrid, not both/);
    bad({ ...base, lr: 1e-3, lrGrid: [1e-3] }, /^exp\.yaml: lrGrid: give either lr or lrGrid, not both/);
  });

  it('takes a stratified head: class shares kept by largest remainders, file order inside each class', () => {
    const labels = [0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1];
    const idx = stratifiedHead(labels, 6);
    const take = idx.map((i) => labels[i]);
    assert.equal(idx.length, 6);
    assert.equal(take.filter((x) => x === 0).length, Math.round((6 * 3) / 12));
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    assert.deepEqual(idx.filter((i) => labels[i] === 0), [0, 4]);
    assert.deepEqual(stratifiedHead(labels, 99), labels.map((_, i) => i));
  });

  it('hands cells to the workers longest first (Auto-RGN, SP penalties, FT … LP), ties in file order', () => {
    const doc = { name: 'o', datasets: ['breastmnist'], models: ['resnet50'], strategies: ['ft', 'lp', 'lp-ft', 'gu-lf', 'gu-fl', 'l2-sp', 'l1-sp', 'auto-rgn'], epochs: 4 };
    const order = longestFirst(expandCells(parseExperiment(doc, 'o'), 'o')).map((c) => c.config.strategy.id);
    assert.deepEqual(order.slice(0, 4), ['auto-rgn', 'l2-sp', 'l1-sp', 'ft']);
    assert.equal(order.at(-1), 'lp');
    assert.equal(order.length, 8);
  });
});
