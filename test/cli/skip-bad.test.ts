/**
 * --skip-bad on finetune, run (and the experiment file's skipBad) and datasets inspect: without it a bad file stops
 * the command with a message naming the file and the flag; with it the bad files are skipped, counted, listed, and
 * recorded (medft.json, the cell's environment, the report's metadata).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ResultsStore } from '../../src/experiment/store.ts';
import { failsWith, imageFolder, medft, tempDir, TINY } from './bad-input-helpers.ts';

const dir = tempDir('medft-skip-');
const { root, bad } = imageFolder(join(dir, 'images'), true);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a damaged PNG in an image folder', () => {
  it('finetune without --skip-bad: exit 3 naming the file and the flag', () => {
    failsWith(medft(['finetune', '--data', root, ...TINY, '--out', join(dir, 'strict')]), 3, new RegExp(esc(bad)), /cannot decode PNG/, /--skip-bad/);
  });

  it('finetune --skip-bad: trains without it, says so, and records it in medft.json', () => {
    const out = join(dir, 'skipping');
    const r = medft(['finetune', '--data', root, ...TINY, '--skip-bad', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`--skip-bad: skipped 1 bad file\\(s\\) of images, kept 27: ${esc(bad)} \\(cannot decode PNG`));
    const meta = JSON.parse(readFileSync(join(out, 'medft.json'), 'utf8'));
    assert.equal(meta.data.skipBad, true);
    assert.equal(meta.data.skipped.length, 1);
    assert.equal(meta.data.skipped[0].file, bad);
    assert.match(meta.data.skipped[0].problem, /^cannot decode PNG: .*\(truncated or corrupt file\)$/, 'the problem, without the advice');
    assert.equal(meta.data.splits.train.size, 15, 'out of the training split: 16 files less the bad one');
    // predict has no --skip-bad: its message must not send the user to it.
    const line = failsWith(medft(['predict', '--model', out, bad]), 3, new RegExp(`${esc(bad)}: cannot decode PNG`), /re-export it, or leave it out of the list/);
    assert.doesNotMatch(line, /--skip-bad/);
    // evaluate takes the flag too, and then draws the same splits as the training run did.
    failsWith(medft(['evaluate', '--model', out, '--data', root, '--split', 'all']), 3, new RegExp(esc(bad)), /--skip-bad/);
    const ev = medft(['evaluate', '--model', out, '--data', root, '--skip-bad', '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    assert.match(ev.stderr, /--skip-bad: skipped 1 bad file\(s\)/);
    assert.equal(JSON.parse(ev.stdout).accuracy, JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).test.accuracy);
  });

  it('datasets inspect: exit 3 and a stderr line naming --skip-bad; with --skip-bad the file is listed as skipped, exit 0', () => {
    failsWith(medft(['datasets', 'inspect', root, '--no-progress']), 3, /1 bad file\(s\)/, /--skip-bad/);
    const r = medft(['datasets', 'inspect', root, '--no-progress', '--skip-bad']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^problems {4}none$/m);
    assert.match(r.stdout, new RegExp(`^skipped {5}1\\n  - ${esc(bad)}: cannot decode PNG`, 'm'));
  });

  it("run with the experiment's skipBad: the cell is done, its environment lists the file, the report's metadata names it", () => {
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, `name: skip\ndatasets: [{ name: img, data: ${root} }]\nmodels: [{ name: tiny_cnn, weights: none }]\nstrategies: [ft]\nepochs: 1\ninputSize: 16\ntrain: { batchSize: 16 }\nskipBad: true\n`);
    const out = join(dir, 'run');
    const r = medft(['run', file, '--out', out, '--workers', '1', '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`--skip-bad: 1 bad file\\(s\\) of ${esc(root)} skipped: ${esc(bad)}`));
    const store = new ResultsStore(join(out, 'results.db'), { readonly: true });
    const [cell] = store.cells(store.latestExperiment()!.id);
    const env = store.environment(cell.id) as { data: { skipBad: boolean; skipped: { file: string }[] } };
    store.close();
    assert.equal(cell.config.dataset.skipBad, true);
    assert.deepEqual(env.data.skipped.map((s) => s.file), [bad]);
    assert.match(readFileSync(join(out, 'report', 'report.md'), 'utf8'), new RegExp(`\\| bad files skipped, img \\| 1: ${esc(bad)} \\|`));
  });
});

describe('a CSV manifest that lists a missing file', () => {
  const csv = join(dir, 'labels.csv');
  const rows = ['path,label,split'];
  for (const split of ['train', 'val', 'test']) for (const cls of ['a', 'b']) for (const f of ['00', '01', '02']) rows.push(`${relative(dir, join(root, split, cls, `${f}.png`))},${cls},${split}`);
  rows.push('images/train/a/gone.png,a,train');
  writeFileSync(csv, `${rows.join('\n')}\n`);

  it('finetune: exit 3 naming the line, the file and --skip-bad; with --skip-bad it trains without it', () => {
    failsWith(medft(['finetune', '--data', csv, ...TINY, '--out', join(dir, 'csv-strict')]), 3, /labels\.csv line 20: .*gone\.png does not exist/, /--skip-bad/);
    const out = join(dir, 'csv-skip');
    const r = medft(['finetune', '--data', csv, ...TINY, '--skip-bad', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /skipped 1 bad file\(s\) of labels, kept 18: .*gone\.png \(listed on .*labels\.csv line 20 but the file does not exist\)/);
    assert.match(JSON.parse(readFileSync(join(out, 'medft.json'), 'utf8')).data.skipped[0].file, /gone\.png$/);
  });
});
