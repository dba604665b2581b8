/**
 * The cell-process manager on real cell processes: it starts the engine and says so, relays a task's failure with
 * the cell's error, ends the task it was running as failed (with the parent's death message) when the process is
 * killed, hears the death before that end, and writes the process's output to its log file; close lets an idle one go.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CellProcess, type EngineInfo, type TaskEnd } from '../../src/experiment/cell-process.ts';
import { expandCells } from '../../src/experiment/cells.ts';
import type { RunTask } from '../../src/experiment/messages.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { engineFromEnv, pathsFromEnv } from '../../src/settings.ts';
import { tempDir } from '../data/fixtures.ts';

const spec = parseExperiment({ name: 'p', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft'], weights: 'none', epochs: 1 }, 'p.yaml');
const [cell] = expandCells(spec, 'p.yaml');

describe('CellProcess', () => {
  const dir = tempDir('medft-cell-process-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A process with every event it reports, in order. */
  function start(name: string) {
    const events: string[] = [];
    let ready!: (e: EngineInfo) => void;
    const engine = new Promise<EngineInfo>((r) => { ready = r; });
    let exited!: (how: string) => void;
    const exit = new Promise<string>((r) => { exited = r; });
    const log = join(dir, `${name}.log`);
    const proc = new CellProcess({
      logFile: log, siblings: 1, engine: engineFromEnv(), paths: pathsFromEnv(), deathError: (how) => `died (${how}); see ${log}`,
      onReady: (e) => { events.push('ready'); ready(e); },
      onInitFailed: (error) => events.push(`init-failed ${error}`),
      onExit: (how) => { events.push(`exit ${how}`); exited(how); },
    });
    const run = (task: RunTask) => new Promise<TaskEnd>((onEnd) => proc.run(task, { onEnd: (m) => { events.push(`end ${m.type}`); onEnd(m); } }));
    return { proc, events, engine, exit, log, run };
  }
  const task = (dataPath: string): RunTask => ({ cell, dataPath, cellDir: join(dir, 'cells', cell.id), keepModel: false });

  it('relays a failed cell with its error and stays alive for the next; close lets it go', { timeout: 120_000 }, async () => {
    const p = start('fails');
    const engine = await p.engine;
    assert.ok(engine.backend.length > 0 && engine.banner.length > 0);
    const end = await p.run(task(join(dir, 'no-such-data.npz')));
    assert.equal(end.type, 'failed');
    assert.equal(end.cellId, cell.id);
    assert.match((end as Extract<TaskEnd, { type: 'failed' }>).error, /no-such-data/);
    assert.ok(p.proc.alive, 'a cell that throws does not end its process');
    p.proc.close();
    assert.equal(await p.exit, 'exit code 0');
    assert.ok(existsSync(p.log), 'its log file');
  });

  it('a process killed mid-task: the death is heard first, then the task ends failed with the death message', { timeout: 120_000 }, async () => {
    const p = start('killed');
    await p.engine;
    const ended = p.run(task(join(dir, 'no-such-data.npz')));
    assert.throws(() => p.proc.run(task('x'), { onEnd: () => {} }), /busy/, 'one task at a time');
    process.kill(p.proc.pid!, 'SIGKILL');
    const end = await ended;
    assert.deepEqual(end, { type: 'failed', cellId: cell.id, error: `died (SIGKILL); see ${p.log}` });
    assert.deepEqual(p.events, ['ready', 'exit SIGKILL', 'end failed']);
    assert.ok(!p.proc.alive);
  });
});
