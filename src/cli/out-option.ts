/**
 * The `--out` folder of the commands that write one (finetune, run, export): checked, and created, before the action
 * does any work, and removed again when the action fails having left nothing worth keeping (src/out-dir.ts). With
 * `--dry-run` nothing is created; a file in the way is still refused.
 */
import { assertNotAFile, discardOutDir, openOutDir } from '../out-dir.ts';

interface OutOptions { out: string; dryRun?: boolean }

interface Guard<O> { keep: (dir: string) => boolean; check?: (opts: O) => void | Promise<void> }

/** Runs `fn` with `opts.out` checked and created first, removed again if `fn` fails leaving nothing worth keeping. */
export async function inOutDir<O extends OutOptions, R>(opts: O, o: Guard<O>, fn: () => Promise<R>): Promise<R> {
  await o.check?.(opts);
  if (opts.dryRun) {
    assertNotAFile(opts.out);
    return fn();
  }
  const out = openOutDir(opts.out);
  try {
    return await fn();
  } catch (e) {
    discardOutDir(out, o.keep);
    throw e;
  }
}

/** A commander action wrapped in inOutDir, for commands whose own checks can come after the folder's. */
export function withOutDir<A extends unknown[], O extends OutOptions = OutOptions>(o: Guard<O>, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  // commander calls an action with the command's arguments, then its options, then the command itself.
  return (...args: A) => inOutDir(args[args.length - 2] as O, o, () => action(...args));
}
