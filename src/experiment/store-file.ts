/**
 * Opening `results.db`. A file that is not a medft results store (not SQLite, damaged, empty, or another program's
 * database) is an InputError naming it, not an internal error from the first query; a store opened read-only (report,
 * export, dry-run) is never written, and an existing database without medft's tables is never given them.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../errors.ts';

/** The tables every medft store has had since the first version; later tables are optional to readers. */
const REQUIRED = ['experiments', 'cells'];

const notAStore = (path: string, why: string) =>
  new InputError(`${path} is not a medft results store (${why}); point at the --out folder of a 'medft run', or move the file away to start a new store there`);

/** `allowEmpty`: a database without tables passes (one a run may initialise; a reader has nothing to read in it). */
export function openStoreDb(path: string, o: { readonly: boolean; schema: string; allowEmpty?: boolean }): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: o.readonly, fileMustExist: o.readonly });
    db.pragma('busy_timeout = 5000');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    const missing = REQUIRED.filter((t) => !tables.includes(t));
    if (missing.length && (tables.length > 0 || (o.readonly && !o.allowEmpty))) {
      throw notAStore(path, tables.length ? `it has no ${missing.join(' or ')} table; its tables: ${tables.slice(0, 6).join(', ')}` : 'an empty database');
    }
    if (!o.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(o.schema);
    }
    return db;
  } catch (e) {
    db?.close();
    if (!(e instanceof Database.SqliteError)) throw e;
    if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') throw notAStore(path, e.message);
    throw new InputError(`${path}: cannot open the results store (${e.code}: ${e.message}); check that it and its folder are readable${o.readonly ? '' : ' and writable'}`);
  }
}

/** Before a run does any work: an existing `results.db` must be a medft store, or empty (checked read-only). */
export function assertStoreUsable(path: string): void {
  if (existsSync(path)) openStoreDb(path, { readonly: true, schema: '', allowEmpty: true }).close();
}
