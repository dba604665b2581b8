/**
 * `--help` that teaches: required options say so, defaults read as typed (`default: 10`, not `default: "10"`), and a
 * usage error names the help of the command it came from (`medft run --help`).
 */
import type { Command, CommanderError, Help, Option } from 'commander';

const plain = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : JSON.stringify(v));

function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.mandatory) extra.push('required');
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(', ')}`);
  // A --no-x option's default (true) says nothing to a reader; the flag's own description does.
  const empty = Array.isArray(option.defaultValue) && option.defaultValue.length === 0;
  if (option.defaultValue !== undefined && !empty && !option.negate && !(option.isBoolean() && option.defaultValue === false)) {
    extra.push(`default: ${option.defaultValueDescription ?? plain(option.defaultValue)}`);
  }
  if (option.envVar) extra.push(`env: ${option.envVar}`);
  return extra.length ? `${option.description} (${extra.join('; ')})` : option.description;
}

/** Before any command is registered: subcommands copy the help configuration of their parent. `extra` is merged in. */
export function configureHelp(program: Command, extra: Partial<Help> = {}): void {
  program.configureHelp({ ...program.configureHelp(), optionDescription, ...extra } as Partial<Help>);
}

/** After every command is registered: usage errors remember which command's help to point at. */
export function pointUsageErrorsAtHelp(program: Command, path = 'medft'): void {
  for (const cmd of program.commands) {
    const name = `${path} ${cmd.name()}`;
    cmd.exitOverride((err: CommanderError) => {
      throw Object.assign(err, { helpCommand: `${name} --help` });
    });
    pointUsageErrorsAtHelp(cmd, name);
  }
}

/** Every command and subcommand, depth first (`datasets` and `datasets inspect`). */
export const allCommands = (program: Command): Command[] => program.commands.flatMap((c) => [c, ...allCommands(c)]);

export const helpCommandOf = (err: CommanderError): string => (err as CommanderError & { helpCommand?: string }).helpCommand ?? 'medft --help';
