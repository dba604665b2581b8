/**
 * `--help` as a teacher, read from the commands as registered: every command and subcommand has examples, required
 * options say so, defaults read as typed (never quoted), usage errors name the subcommand's help, and `strategies`
 * spells out derived defaults.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerCommands } from '../../src/cli/commands/index.ts';
import { COMMANDS } from '../../src/cli/commands/table.ts';
import { allCommands } from '../../src/cli/help.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

/** The full help text of a command, as `medft <cmd> --help` prints it (help body and the text added after it). */
function helpOf(cmd: Command): string {
  let after = '';
  cmd.configureOutput({ writeOut: (s) => { after += s; }, writeErr: () => {} });
  cmd.exitOverride(() => { throw new Error('exit'); });
  try { cmd.outputHelp(); } catch { /* outputHelp does not exit */ }
  return after;
}

describe('--help', () => {
  // Each command as `medft <command> …` registers it: alone, with what registerCommands adds to every command.
  const commands: Command[] = [];
  before(async () => {
    for (const c of COMMANDS) {
      const program = new Command('medft');
      await registerCommands(program, [c.name]);
      commands.push(...allCommands(program));
    }
  });

  it('has examples on every command and subcommand', () => {
    for (const cmd of commands) assert.match(helpOf(cmd), /\nExamples?:/, cmd.name());
  });

  it('marks every required option and shows defaults unquoted', () => {
    for (const cmd of commands) {
      const text = helpOf(cmd);
      // Hidden options (internal, e.g. bench's trial processes) are not in the help by design.
      for (const o of cmd.options.filter((o) => !o.hidden)) {
        const line = text.split('\n').find((l) => l.trimStart().startsWith(o.flags))!;
        assert.ok(line, `${cmd.name()} ${o.flags}`);
        // The help wraps long descriptions; what follows the flag up to the next option holds its notes.
        const block = text.slice(text.indexOf(line)).split(/\n\s{2}-/)[0];
        assert.equal(/\brequired\b/.test(block.replace(o.description, '')), !!o.mandatory, `${cmd.name()} ${o.flags}: ${block}`);
        if (typeof o.defaultValue === 'string') assert.ok(block.replace(/\s+/g, ' ').includes(`default: ${o.defaultValue}`), `${cmd.name()} ${o.flags}: ${block}`);
      }
      assert.doesNotMatch(text, /default: "/, cmd.name());
    }
    const finetune = helpOf(commands.find((c) => c.name() === 'finetune')!);
    assert.match(finetune, /--epochs <n>.*\(default: 10\)/);
    assert.match(finetune, /--out <dir>[^(]*\(two classes\)\s+\(required\)\n\s+--epochs/);
    assert.doesNotMatch(finetune, /default: \)/, 'no empty default');
  });

  it('points a usage error at the help of its command', () => {
    const r = medft(['run']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\(see 'medft run --help'\)\n$/);
    const inspect = medft(['datasets', 'inspect']);
    assert.match(inspect.stderr, /\(see 'medft datasets inspect --help'\)\n$/);
    assert.match(medft(['no-such-command']).stderr, /\(see 'medft --help'\)\n$/);
  });

  it('spells out derived defaults in medft strategies', () => {
    const r = medft(['strategies', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--param lpEpochs=\(half the run, at least 1\) /);
    assert.doesNotMatch(r.stdout, /required or derived/);
  });
});
