/** evaluate refuses a dataset whose classes are not the model's, by name and not only by count, saying which differ. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.ts';
import { checkSameClasses } from '../../src/train/saved-model.ts';
import { png, tempDir, write } from '../data/fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });

/** root/<class>/<i>.png: 10 grey 16×16 images per class, each class its own brightness. */
function imageFolder(classes: string[]): string {
  const root = tempDir('medft-classes-');
  classes.forEach((c, k) => {
    for (let i = 0; i < 10; i++) write(join(root, c, `${i}.png`), png(16, 16, 1, 8, Array.from({ length: 256 }, (_, p) => (k * 120 + i * 7 + p) % 256)));
  });
  return root;
}

describe('class names of a model and a dataset', () => {
  const model = { classNames: ['benign', 'malignant'] };
  const refused = (re: RegExp) => (e: unknown) => e instanceof InputError && re.test(e.message);

  it('the same names in the same order pass; other names, another order or another count are refused', () => {
    checkSameClasses(model, 'd', ['benign', 'malignant']);
    assert.throws(() => checkSameClasses(model, 'd', ['cat', 'dog']),
      refused(/^d: class names differ from the model's \(class 0 is 'benign' in the model but 'cat' in the data; class 1 is 'malignant' in the model but 'dog' in the data\); use a dataset whose classes are the model's \('benign', 'malignant'\), in that order$/));
    assert.throws(() => checkSameClasses(model, 'd', ['malignant', 'benign']), refused(/the same classes in another order/));
    assert.throws(() => checkSameClasses(model, 'd', ['benign', 'malignant', 'normal']), refused(/^d has 3 classes \('benign', 'malignant', 'normal'\) but the model was trained on 2/));
  });

  it('classes known only by index match by count', () => {
    checkSameClasses(model, 'd', ['0', '1']);
    checkSameClasses({ classNames: ['0', '1'] }, 'd', ['cat', 'dog']);
    assert.throws(() => checkSameClasses(model, 'd', ['0', '1', '2']), InputError);
  });

  it('medft evaluate: exit 3 and one line naming the classes that differ, instead of metrics under the wrong names', () => {
    const out = join(tempDir('medft-classes-model-'), 'model');
    const train = medft(['finetune', '--data', imageFolder(['benign', 'malignant']), '--model', 'tiny_cnn', '--size', '16', '--epochs', '1',
      '--weights', 'none', '--strategy', 'ft', '--out', out, '--no-progress']);
    assert.equal(train.status, 0, train.stderr);
    const other = imageFolder(['cat', 'dog']);
    const r = medft(['evaluate', '--model', out, '--data', other, '--split', 'all']);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, '', 'no metrics printed');
    const lines = r.stderr.trim().split('\n').filter((l) => !/^medft \S+ · backend/.test(l));
    assert.deepEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /^medft: .*: class names differ from the model's \(class 0 is 'benign' in the model but 'cat' in the data; class 1 is 'malignant' in the model but 'dog' in the data\)/);
    const same = medft(['evaluate', '--model', out, '--data', imageFolder(['benign', 'malignant']), '--split', 'all']);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /per-class recall: "benign" .* · "malignant" /);
  });
});
