/**
 * `--quiet` on every command: no progress bars, banners or notes on stderr, so that a script sees only what the
 * command prints on stdout and, on failure, the error. Commands write their notes straight to process.stderr, so the
 * filter sits there: it lets through only the one-line errors main.ts writes, which start with 'medft: '.
 */
import type { Command } from 'commander';
import { allCommands } from './help.ts';

export const QUIET_HELP = "no progress, banner or notes on stderr (errors still go there); what goes to stdout is unchanged";

let installed = false;

export function quietStderr(): void {
  if (installed) return;
  installed = true;
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('medft: ')) return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    const done = rest.find((x): x is () => void => typeof x === 'function');
    done?.();
    return true;
  }) as typeof process.stderr.write;
}

/** Adds --quiet to every command and subcommand of `program` and applies it before the command's action runs. */
export function addQuiet(program: Command): void {
  for (const cmd of allCommands(program)) cmd.option('-q, --quiet', QUIET_HELP);
  program.hook('preAction', (_program, action) => {
    if (action.opts().quiet) quietStderr();
  });
}
