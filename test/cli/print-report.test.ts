/** The text report `medft evaluate` / `finetune` print: class names quoted, the confusion matrix aligned whatever the names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printReport } from '../../src/cli/commands/evaluate.ts';
import { evaluateClassification } from '../../src/eval/index.ts';

function capture(fn: () => void): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  try { fn(); } finally { process.stdout.write = write; }
  return out;
}

describe('printReport', () => {
  it('keeps the confusion matrix aligned with a long class name containing a comma, and quotes the names', () => {
    const labels = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const probs = labels.flatMap((y, i) => (i % 4 === 0 ? [y, 1 - y] : [1 - y, y]).map((p) => (p ? 0.9 : 0.1)));
    const r = evaluateClassification(labels, probs, 2);
    const out = capture(() => printReport('test', r, ['malignant', 'normal, benign']));
    const lines = out.trimEnd().split('\n');
    assert.match(lines[1], /^per-class recall: "malignant" [\d.]+ · "normal, benign" [\d.]+$/);
    const matrix = lines.slice(lines.findIndex((l) => l.startsWith('confusion matrix')) + 1);
    assert.equal(matrix.length, 3, 'a header and one row per class');
    assert.equal(new Set(matrix.map((l) => l.length)).size, 1, 'every row as long as the header');
    const rows = matrix.slice(1).map((l) => /^ {2}(\d) "([^"]+)"\s+(\d+)\s+(\d+)$/.exec(l)!);
    assert.deepEqual(rows.map((m) => m[2]), ['malignant', 'normal, benign']);
    assert.deepEqual(rows.map((m) => [Number(m[3]), Number(m[4])]), r.confusionMatrix);
    // The counts sit right-aligned under their column index.
    const end = (s: string, sub: string) => s.lastIndexOf(sub) + sub.length;
    assert.equal(end(matrix[0], '1'), matrix[1].length);
  });
});
