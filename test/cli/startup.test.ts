/**
 * Start-up: `medft --version`, `--help` and every command's --help load no engine, queue or chart package (only the
 * command being run is loaded, and heavy packages only inside its action); the command table matches the commands.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerCommands } from '../../src/cli/commands/index.ts';
import { COMMANDS } from '../../src/cli/commands/table.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const hook = fileURLToPath(new URL('../helpers/record-imports.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'medft-startup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const HEAVY = /\/node_modules\/(@tensorflow\/|bullmq\/|ioredis\/|vega\/|vega-lite\/|sharp\/|h5wasm\/|better-sqlite3\/|cli-progress\/)/;

/** The packages (node_modules/<name>) a command line loaded, and its result. */
function packagesLoaded(args: string[]): { status: number | null; stderr: string; heavy: string[] } {
  const log = join(tmp, `imports-${args.join('_').replace(/\W/g, '')}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', hook, bin, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MEDFT_IMPORT_LOG: log } });
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  assert.ok(urls.some((u) => u.includes('commander')), `the import log works: ${urls.length} URLs`);
  const heavy = [...new Set(urls.filter((u) => HEAVY.test(u)).map((u) => HEAVY.exec(u)![1]))];
  return { status: r.status, stderr: r.stderr, heavy };
}

describe('start-up', () => {
  it('--version, --help, every command\'s --help and datasets list load no engine, queue, chart or image package', () => {
    const lines: string[][] = [['--version'], ['--help'], ['datasets', 'list'], ...COMMANDS.map((c) => [c.name, '--help'])];
    for (const args of lines) {
      const r = packagesLoaded(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(r.heavy, [], `medft ${args.join(' ')} loaded ${r.heavy.join(', ')}`);
    }
  });

  it('the command table says what each command module registers', async () => {
    for (const c of COMMANDS) {
      const program = new Command('medft');
      (await c.load())(program);
      const cmd = program.commands.find((x) => x.name() === c.name);
      assert.ok(cmd, c.name);
      assert.equal(cmd.description(), c.description);
      assert.equal(program.createHelp().subcommandTerm(cmd), c.term, `${c.name}: the term in 'medft --help'`);
    }
  });

  it('registers only the command named on the command line; all of them, unloaded, otherwise', async () => {
    const names = async (args: string[]) => {
      const program = new Command('medft');
      await registerCommands(program, args);
      return program.commands.map((c) => c.name());
    };
    assert.deepEqual(await names(['run', 'x.yaml', '--dry-run']), ['run']);
    assert.deepEqual(await names(['help', 'finetune']), ['finetune']);
    assert.deepEqual(await names(['--help']), COMMANDS.map((c) => c.name));
    assert.deepEqual(await names(['fintune']), COMMANDS.map((c) => c.name), 'a typo still gets the suggestion');
  });
});
