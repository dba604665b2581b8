import type { Command } from 'commander';
import { configureHelp, pointUsageErrorsAtHelp } from '../help.ts';
import { addQuiet } from '../quiet.ts';
import { COMMANDS } from './table.ts';

/** The command a command line runs: its first word that is not an option (after `help`, the next one). */
function commandWord(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Registers the command `args` names, loading only its module. Without a known command (`medft`, `--help`,
 * `--version`, a typo) every command is listed from the table alone, for the help, the suggestions and the errors.
 * Either way every command gets --quiet and help that marks required options (src/cli/help.ts, quiet.ts).
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  configureHelp(program);
  const wanted = COMMANDS.find((c) => c.name === commandWord(args));
  if (wanted) {
    (await wanted.load())(program);
  } else {
    for (const c of COMMANDS) program.command(c.name).description(c.description);
    const help = program.createHelp();
    configureHelp(program, { subcommandTerm: (cmd) => COMMANDS.find((c) => c.name === cmd.name())?.term ?? help.subcommandTerm(cmd) });
  }
  addQuiet(program);
  pointUsageErrorsAtHelp(program);
}
