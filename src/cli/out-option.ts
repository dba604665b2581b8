/**
 * The `--out` folder of the commands that write one (finetune, run, export): checked, and created, before the action
 * does any work, and removed again when the action fails having left nothing worth keeping (src/out-dir.ts). With
 * `--dry-run` nothing is created; a file in the way is still refused.
 */
import { assertNotAFile, discardOutDir, openOutDir } from '../out-dir.ts';

interface OutOptions { out: string; dryRun?: boolean }

export function withOutDir<A extends unknown[], O extends OutOptions = OutOptions>(
  o: { keep: (dir: string) => boolean; check?: (opts: O) => void },
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // commander calls an action with the command's arguments, then its options, then the command itself.
    const opts = args[args.length - 2] as O;
    o.check?.(opts);
    if (opts.dryRun) {
      assertNotAFile(opts.out);
      return action(...args);
    }
    const out = openOutDir(opts.out);
    try {
      await action(...args);
    } catch (e) {
      discardOutDir(out, o.keep);
      throw e;
    }
  };
}
