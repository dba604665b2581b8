/**
 * A pool worker process: one engine, then one cell at a time as the parent sends them. It never writes the store
 * (the parent is its only writer); it exits when the parent goes away, so a killed `medft run` leaves no orphans.
 */
import { engineBanner, initEngine } from '../engine/index.ts';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { runCell } from './run-cell.ts';

const send = (m: FromWorker) => new Promise<void>((resolve) => { if (process.connected) process.send!(m, () => resolve()); else resolve(); });
const errorLine = (e: unknown) => (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e)).split('\n')[0];

/** The settings of the init message: the parent read them from its environment, this process reads none. */
let settings: { engine: EngineSettings; paths: Paths; debug: boolean } | undefined;

process.on('disconnect', () => process.exit(0));
process.on('message', async (msg: ToWorker) => {
  if (msg.type === 'init') {
    try {
      settings = { engine: msg.engine, paths: msg.paths, debug: msg.debug };
      const info = await initEngine(msg.engine);
      await send({ type: 'ready', banner: engineBanner(info), backend: info.backend });
    } catch (e) {
      await send({ type: 'init-failed', error: errorLine(e) });
      process.exit(1);
    }
    return;
  }
  const id = msg.cell.id;
  try {
    const result = await runCell(msg.cell, settings!.engine, settings!.paths, msg.dataPath, msg.cellDir, msg.keepModel, {
      onEpochStart: (epoch, batches) => void send({ type: 'epoch-start', cellId: id, epoch, batches }),
      onBatch: (epoch, batch, batches) => void send({ type: 'batch', cellId: id, epoch, batch, batches }),
      onEpochEnd: (record) => void send({ type: 'epoch', cellId: id, record }),
    }, msg.stopAfterEpoch);
    await send('stopped' in result ? { type: 'stopped', cellId: id, history: result.history } : { type: 'done', cellId: id, result });
  } catch (e) {
    if (settings?.debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    await send({ type: 'failed', cellId: id, error: errorLine(e) });
  }
});
