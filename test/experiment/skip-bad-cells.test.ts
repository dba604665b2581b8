/**
 * skipBad in the cell config: only present when asked for (so every cell id without it is the id it always had), set
 * by the experiment's `skipBad: true` or `medft run --skip-bad` alike, and accepted in a queue job.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { expandCells } from '../../src/experiment/cells.ts';
import { planExperiment } from '../../src/experiment/runner.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { makeCellJob, parseCellJob } from '../../src/queue/payload.ts';
import { tempDir } from '../data/fixtures.ts';

const doc = { name: 'g', datasets: ['breastmnist', { name: 'pm', data: 'x/pneumoniamnist.npz', subset: { train: 8 } }], models: [{ name: 'tiny_cnn', weights: 'none', inputSize: 16 }], strategies: ['ft', 'lp'], seeds: [0] };

test('without skipBad the ids are the ones medft gave these cells before skipBad existed', () => {
  const cells = expandCells(parseExperiment(doc, 'g.yaml'), 'g.yaml');
  // Computed with medft before this change (5fc1092).
  assert.deepEqual(cells.map((c) => c.id), ['79f0ef018e62ae94', '342733fdae15e15a', '76cb71a99d43a3fc', 'ca1e403853db50f3']);
  for (const c of cells) assert.ok(!('skipBad' in c.config.dataset) || c.config.dataset.skipBad === undefined);
});

test("the file's skipBad and run --skip-bad give the same cells, with skipBad in every dataset and new ids", () => {
  const dir = tempDir('medft-skipcells-');
  const plain = join(dir, 'plain.yaml');
  const asked = join(dir, 'asked.yaml');
  writeFileSync(plain, JSON.stringify(doc));
  writeFileSync(asked, JSON.stringify({ ...doc, skipBad: true }));
  const byFlag = planExperiment(plain, { skipBad: true }).cells;
  const byFile = planExperiment(asked).cells;
  assert.deepEqual(byFlag.map((c) => c.id), byFile.map((c) => c.id));
  assert.ok(byFile.every((c) => c.config.dataset.skipBad === true));
  const before = new Set(planExperiment(plain).cells.map((c) => c.id));
  assert.ok(byFile.every((c) => !before.has(c.id)), 'a cell that may skip files is another cell');
  const job = parseCellJob(JSON.parse(JSON.stringify(makeCellJob(byFile[0], false, null))));
  assert.ok('job' in job, JSON.stringify(job));
});
