/**
 * Start-up: `medft --version`, `--help` and every command's --help load no engine, queue or chart package (only the
 * command being run is loaded, and heavy packages only inside its action); the command table matches the commands;
 * and dist/ (the compiled sources bin/medft.js runs) is used only while it matches the sources.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerCommands } from '../../src/cli/commands/index.ts';
import { COMMANDS } from '../../src/cli/commands/table.ts';
// @ts-expect-error: a plain .mjs script without type declarations
import { build, distIsCurrent } from '../../scripts/build-js.mjs';

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

describe('dist/: compiled sources', () => {
  it('mirrors src/ with relative .ts imports made .js, and counts as current only while the sources are unchanged', async () => {
    const root = join(tmp, 'proj');
    mkdirSync(join(root, 'src', 'sub'), { recursive: true });
    writeFileSync(join(root, 'tsconfig.json'), '{}');
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
    writeFileSync(join(root, 'src', 'main.ts'), "import { x } from './sub/x.ts';\nexport const y: number = x + (await import('./sub/x.ts')).x;\nexport const here = new URL('../data/', import.meta.url).href;\n");
    writeFileSync(join(root, 'src', 'sub', 'x.ts'), 'export const x: number = 1;\n');
    assert.equal(distIsCurrent(root), false, 'never built');
    await build(root);
    assert.deepEqual(readdirSync(join(root, 'dist')).sort(), ['.medft-build.json', 'main.js', 'main.js.map', 'sub']);
    const js = readFileSync(join(root, 'dist', 'main.js'), 'utf8');
    assert.match(js, /from "\.\/sub\/x\.js"/);
    assert.match(js, /import\("\.\/sub\/x\.js"\)/);
    assert.doesNotMatch(js, /\.ts"/);
    const m = await import(join(root, 'dist', 'main.js'));
    assert.equal(m.y, 2);
    assert.equal(m.here, new URL(`file://${join(root, 'data')}/`).href, 'paths from import.meta.url land where they do from src/');
    assert.equal(distIsCurrent(root), true);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'src', 'sub', 'x.ts'), later, later);
    assert.equal(distIsCurrent(root), false, 'an edited source makes bin/medft.js run the sources again');
    assert.deepEqual(readdirSync(root).sort(), ['dist', 'package.json', 'src', 'tsconfig.json'], 'no temporary folders left');
  });
});
