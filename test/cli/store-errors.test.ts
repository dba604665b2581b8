/**
 * A results.db that is not a medft store, given to report, export and run (with and without --dry-run): exit 3 with
 * "<path> is not a medft results store (…)", never the internal-error exit 70, and the file is left as it was.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { failsWith, medft, tempDir } from './bad-input-helpers.ts';

const dir = tempDir('medft-store-cli-');
const runDir = join(dir, 'run');
mkdirSync(runDir);
const db = join(runDir, 'results.db');
const garbage = randomBytes(8192);
writeFileSync(db, garbage);
const grid = join(dir, 'g.yaml');
writeFileSync(grid, 'name: g\ndatasets: [breastmnist]\nmodels: [{ name: tiny_cnn, weights: none }]\nstrategies: [ft]\nepochs: 1\ninputSize: 16\nsubset: { train: 16, val: 8, test: 8 }\n');
const named = new RegExp(`${db.replace(/[.]/g, '\\.')} is not a medft results store \\(file is not a database\\)`);

describe('a corrupt results.db', () => {
  it('report: exit 3 naming the file', () => { failsWith(medft(['report', runDir]), 3, named); });
  it('export: exit 3 naming the file, and no --out folder left behind', () => {
    failsWith(medft(['export', runDir, '--out', join(dir, 'exported')]), 3, named);
    assert.ok(!readdirSync(dir).includes('exported'));
  });
  it('run --dry-run --no-probe: exit 3 naming the file', () => { failsWith(medft(['run', grid, '--out', runDir, '--dry-run', '--no-probe']), 3, named); });
  it('run: exit 3 naming the file before any cell starts; the file is untouched', () => {
    failsWith(medft(['run', grid, '--out', runDir, '--workers', '1']), 3, named);
    assert.deepEqual(readFileSync(db), garbage);
    assert.deepEqual(readdirSync(runDir).sort(), ['results.db'], 'no subset data, logs or cells written');
  });
});

describe('report never writes into a store it did not create', () => {
  it('an empty results.db: exit 3 (an empty database), and it stays empty', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'results.db'), '');
    failsWith(medft(['report', empty]), 3, /results\.db is not a medft results store \(an empty database\)/);
    assert.equal(statSync(join(empty, 'results.db')).size, 0);
  });
  it('a folder without results.db: exit 3 naming the folder', () => { failsWith(medft(['report', join(dir, 'nothing')]), 3, /nothing: no results\.db here/); });
});
