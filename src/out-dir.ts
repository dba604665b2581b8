/**
 * The folder a command writes into (`--out`), checked before any work: a path that is a file, or a folder medft cannot
 * write in, is a named InputError now rather than an internal error after the data and model are loaded. A folder the
 * command created is removed again when the command fails before leaving anything worth keeping, so a failed run does
 * not leave an empty `--out` behind for the next attempt to trip over.
 */
import { existsSync, mkdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './errors.ts';

export interface OutDir {
  /** Absolute path of the folder. */
  path: string;
  /** The topmost folder this command created on the way (null: the folder was already there). */
  created: string | null;
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The nearest ancestor of `abs` (or `abs` itself) that exists. */
function nearestExisting(abs: string): string {
  let p = abs;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** `path` must not be a file, nor lie under one. Reads only: what `--dry-run` checks. */
export function assertNotAFile(path: string, flag = '--out'): void {
  const abs = resolve(path);
  const at = nearestExisting(abs);
  if (statSync(at).isDirectory()) return;
  if (at === abs) throw new InputError(`${flag} ${path} is a file, not a folder; give the path of a folder (it is created when missing)`);
  throw new InputError(`${flag} ${path} cannot be a folder: ${at} is a file; give the path of a folder`);
}

/** Checks `path` and makes sure it is a folder medft can write in, creating it when missing. */
export function openOutDir(path: string, flag = '--out'): OutDir {
  const abs = resolve(path);
  assertNotAFile(abs, flag);
  if (existsSync(abs)) {
    // Permission bits do not answer this for root or on read-only mounts; writing a file does.
    const probe = join(abs, `.medft-write-test-${process.pid}`);
    try {
      writeFileSync(probe, '');
      unlinkSync(probe);
    } catch (e) {
      throw new InputError(`${flag} ${path} is not writable (${errCode(e)}); choose another folder or fix its permissions`);
    }
    return { path: abs, created: null };
  }
  // One level at a time: Node's recursive mkdir never returns on some paths it cannot create (e.g. under /proc).
  const missing: string[] = [];
  for (let p = abs; !existsSync(p); p = dirname(p)) missing.unshift(p);
  const out: OutDir = { path: abs, created: missing[0] };
  try {
    for (const p of missing) mkdirSync(p);
  } catch (e) {
    discardOutDir(out, () => false);
    throw new InputError(`${flag} ${path} cannot be created (${errCode(e)}); choose a folder medft can write in`);
  }
  return out;
}

/**
 * After a failure: removes the folder when this command created it and `keep` finds nothing worth keeping in it (a
 * checkpoint to resume from, a results store). Never throws: the failure being reported matters more.
 */
export function discardOutDir(out: OutDir, keep: (dir: string) => boolean): void {
  if (!out.created || !existsSync(out.path)) return;
  try {
    if (!keep(out.path)) rmSync(out.created, { recursive: true, force: true });
  } catch { /* left as it is */ }
}
