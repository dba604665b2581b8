/**
 * results.db that is not a medft store: random bytes, an empty file, another program's SQLite database. Each is an
 * InputError naming the file; opened read-only nothing is written; a run never adds its tables to a foreign database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { InputError } from '../../src/errors.ts';
import { assertStoreUsable } from '../../src/experiment/store-file.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-store-');
const notAStore = (path: string, why: RegExp) => (e: unknown) =>
  e instanceof InputError && e.message.startsWith(`${path} is not a medft results store (`) && why.test(e.message);

test('random bytes: InputError naming the file, read-write and read-only alike, and the file is left as it was', () => {
  const p = join(dir, 'garbage.db');
  const bytes = randomBytes(8192);
  writeFileSync(p, bytes);
  assert.throws(() => new ResultsStore(p), notAStore(p, /file is not a database/));
  assert.throws(() => new ResultsStore(p, { readonly: true }), notAStore(p, /file is not a database/));
  assert.throws(() => assertStoreUsable(p), notAStore(p, /file is not a database/));
  assert.deepEqual(readFileSync(p), bytes);
});

test('an empty file: a reader refuses it and leaves it empty; a run may initialise it', () => {
  const p = join(dir, 'empty.db');
  writeFileSync(p, '');
  assert.throws(() => new ResultsStore(p, { readonly: true }), notAStore(p, /an empty database/));
  assert.equal(statSync(p).size, 0, 'nothing written by a reader');
  assert.doesNotThrow(() => assertStoreUsable(p));
  new ResultsStore(p).close();
  assert.ok(statSync(p).size > 0);
});

test("another program's SQLite database is refused and not given medft's tables", () => {
  const p = join(dir, 'foreign.db');
  const db = new Database(p);
  db.exec('CREATE TABLE invoices (id INTEGER)');
  db.close();
  assert.throws(() => new ResultsStore(p), notAStore(p, /no experiments or cells table; its tables: invoices/));
  assert.throws(() => new ResultsStore(p, { readonly: true }), notAStore(p, /invoices/));
  const check = new Database(p, { readonly: true });
  assert.deepEqual(check.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all(), ['invoices']);
  check.close();
});

test('a medft store opens read-only and read-write', () => {
  const p = join(dir, 'ok.db');
  new ResultsStore(p).close();
  const ro = new ResultsStore(p, { readonly: true });
  assert.equal(ro.latestExperiment(), null);
  ro.close();
});
