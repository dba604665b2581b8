/**
 * Putting a file or folder into a cache that several processes share: the workers of one run, or two runs on one
 * machine, may fetch the same weights or dataset at the same moment while others already read it. Each writer builds
 * its copy under a temporary name of its own next to the destination, then moves it into place only if the place is
 * still free. The first finished copy stays; later ones are thrown away, so a folder a reader has opened is never
 * deleted or replaced under it, and no half-written copy is ever visible under the final name.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResourceError } from './errors.ts';

export interface InstallOptions {
  /** Whether what sits at `dest` is a finished install (default: that anything is there). */
  complete?: (dest: string) => boolean;
}

/** A name next to `dest` that no other process or call uses; hidden, and marked as temporary. */
export function tempSibling(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Installs `dest` once: when it is not complete, `produce(tmp)` writes the file or folder at `tmp` (or returns another
 * path inside `tmp` to install instead), which then takes `dest`'s place unless another process got there first.
 * `tmp` is removed in every case, also when `produce` throws. Returns `dest`.
 */
export async function installOnce(dest: string, produce: (tmp: string) => Promise<string | void>, o: InstallOptions = {}): Promise<string> {
  const complete = o.complete ?? existsSync;
  if (complete(dest)) return dest;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  try {
    const built = (await produce(tmp)) ?? tmp;
    placeIfAbsent(built, dest, complete);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dest;
}

/** Moves `from` to `dest` unless a complete `dest` is there already (then `from` is left for the caller to remove). */
function placeIfAbsent(from: string, dest: string, complete: (dest: string) => boolean): void {
  // A few rounds at most: each round either installs, finds a complete copy, or clears away an incomplete one.
  for (let round = 0; round < 5; round++) {
    if (complete(dest)) return;
    if (!existsSync(dest)) {
      try {
        // A file is replaced atomically; a folder only goes where nothing (or an empty folder) is.
        renameSync(from, dest);
        return;
      } catch (e) {
        if (!isOccupied(e)) throw e;
        continue; // someone else's copy landed between the check and the rename: look at it
      }
    }
    // Something incomplete is in the way (an interrupted install by an older medft, a stray folder): move it aside in
    // one step, so nothing ever sees it half-deleted, then remove it.
    const aside = tempSibling(dest);
    try {
      renameSync(dest, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    rmSync(aside, { recursive: true, force: true });
  }
  throw new ResourceError(`could not install ${dest}: it kept changing while this process tried to put its copy there; ` +
    'make sure only medft writes into its cache folder, and retry');
}

function isOccupied(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EPERM';
}
