import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import { openCsvManifest, parseCsv } from '../../src/data/csv-manifest.ts';
import { openDataset } from '../../src/data/open.ts';
import { makeSplits, splitRecord } from '../../src/data/splits.ts';
import { png, tempDir, testPaths, write } from './fixtures.ts';

function images(dir: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const rel = `img/${String(i).padStart(4, '0')}.png`;
    write(join(dir, rel), png(2, 2, 1, 8, [i % 256, 1, 2, 3]));
    return rel;
  });
}

test('CSV parsing: quotes, escaped quotes, embedded commas and newlines, CRLF, BOM', () => {
  const rows = parseCsv('\ufeffpath,label\r\n"a,b.png","say ""hi"""\r\n"multi\nline.png",x\n', ',');
  assert.deepEqual(rows.map((r) => r.cells), [['path', 'label'], ['a,b.png', 'say "hi"'], ['multi\nline.png', 'x']]);
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 3]);
});

test('CSV with patient groups: no patient is in two splits (for several seeds), and classes stay stratified', async () => {
  const dir = tempDir();
  const rels = images(dir, 300);
  // 60 patients with 1..9 images each; class depends on the patient (as in real data), 1/3 positive.
  const lines = ['file,diagnosis,patient_id'];
  let k = 0;
  const patientOf: string[] = [];
  for (let p = 0; k < rels.length; p++) {
    const size = 1 + ((p * 7) % 9);
    for (let j = 0; j < size && k < rels.length; j++, k++) {
      lines.push(`${rels[k]},${p % 3 === 0 ? 'pneumonia' : 'normal'},P${p}`);
      patientOf.push(`P${p}`);
    }
  }
  const csv = write(join(dir, 'manifest.csv'), lines.join('\n'));
  const ds = await openDataset(csv, { paths: testPaths() });
  assert.equal(ds.kind, 'csv');
  assert.deepEqual(ds.classNames, ['normal', 'pneumonia']);
  assert.deepEqual(ds.groups, patientOf);
  for (const seed of [1, 2, 3, 'abc']) {
    const s = makeSplits(ds, { seed });
    assert.equal(s.method, 'group-stratified');
    const sets = [s.train, s.val, s.test].map((idx) => new Set(idx.map((i) => ds.groups![i])));
    for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) {
      const shared = [...sets[a]].filter((g) => sets[b].has(g));
      assert.deepEqual(shared, [], `seed ${seed}: splits ${a} and ${b} share patients`);
    }
    assert.equal(s.train.length + s.val.length + s.test.length, 300);
    assert.deepEqual([...s.train, ...s.val, ...s.test].sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i));
    // Sizes near 70/10/20 and each split's positive share near the whole's.
    const whole = ds.labels.filter((l) => l === 1).length / 300;
    for (const [idx, ratio] of [[s.train, 0.7], [s.val, 0.1], [s.test, 0.2]] as const) {
      assert.ok(Math.abs(idx.length / 300 - ratio) < 0.05, `seed ${seed}: size ${idx.length} for ratio ${ratio}`);
      const pos = idx.filter((i) => ds.labels[i] === 1).length / idx.length;
      assert.ok(Math.abs(pos - whole) < 0.12, `seed ${seed}: positive share ${pos} vs ${whole}`);
    }
    assert.deepEqual(makeSplits(ds, { seed }), s, 'same seed, same split');
  }
  const rec = splitRecord(ds, makeSplits(ds, { seed: 1 }));
  assert.equal(rec.splits.train.ids.length + rec.splits.val.ids.length + rec.splits.test.ids.length, 300);
  assert.match(rec.splits.test.sha256, /^[0-9a-f]{64}$/);
  assert.ok(rec.splits.train.ids[0].startsWith('img/'));
});

test('CSV split column is the official split; a patient in two splits is refused', async () => {
  const dir = tempDir();
  const rels = images(dir, 8);
  const rows = rels.map((r, i) => `${r};${i % 2};${['train', 'train', 'train', 'train', 'valid', 'valid', 'test', 'test'][i]};S${Math.floor(i / 2)}`);
  const ok = await openCsvManifest(write(join(dir, 'ok.csv'), ['path;label;split;subject', ...rows].join('\n')));
  assert.deepEqual(ok.officialSplit, ['train', 'train', 'train', 'train', 'val', 'val', 'test', 'test']);
  assert.deepEqual(makeSplits(ok, { seed: 0 }).val, [4, 5]);
  const leak = rows.map((r, i) => (i === 3 ? r.replace('S1', 'S2') : r));
  await assert.rejects(openCsvManifest(write(join(dir, 'leak.csv'), ['path;label;split;subject', ...leak].join('\n'))), /group 'S2' appears in both the train and val splits/);
});

test('bad CSV rows: missing file, duplicate path, label out of range, unknown split, no label column — each names the row', async () => {
  const dir = tempDir();
  const rels = images(dir, 6);
  const head = 'path,label';
  const body = rels.map((r, i) => `${r},${i % 2}`);
  const missing = write(join(dir, 'missing.csv'), [head, ...body, 'img/nope.png,1'].join('\n'));
  await assert.rejects(openCsvManifest(missing), (e: unknown) => e instanceof InputError && /line 8: .*img\/nope\.png does not exist/.test(e.message));
  const skipped = await openCsvManifest(missing, { skipBad: true });
  assert.equal(skipped.size, 6);
  assert.equal(skipped.skipped.length, 1);
  assert.match(skipped.skipped[0].file, /nope\.png$/);

  const dup = write(join(dir, 'dup.csv'), [head, ...body, `./${rels[2]},0`].join('\n'));
  await assert.rejects(openCsvManifest(dup), /line 8: duplicate path \.\/img\/0002\.png \(also on line 4\)/);

  const range = write(join(dir, 'range.csv'), [head, ...body.slice(0, 5), `${rels[5]},7`].join('\n'));
  await assert.rejects(openCsvManifest(range, { classes: ['healthy', 'sick'] }), /line 7: label '7' is out of range \(classes: 0 "healthy"; 1 "sick"\)/);
  await assert.rejects(openCsvManifest(write(join(dir, 'neg.csv'), [head, ...body.slice(0, 5), `${rels[5]},-1`].join('\n'))), /label '-1' is out of range/);
  await assert.rejects(openCsvManifest(write(join(dir, 'split.csv'), ['path,label,split', ...body.map((b) => `${b},holdout`)].join('\n'))), /unknown split 'holdout'/);
  await assert.rejects(openCsvManifest(write(join(dir, 'nolabel.csv'), ['path,whatever', ...body].join('\n'))), /no label column .* name it with --label-column/);
  const named = await openCsvManifest(join(dir, 'nolabel.csv'), { labelColumn: 'whatever' });
  assert.equal(named.size, 6);
  await assert.rejects(openCsvManifest(write(join(dir, 'one.csv'), [head, ...rels.map((r) => `${r},0`)].join('\n'))), /only one class/);
});
