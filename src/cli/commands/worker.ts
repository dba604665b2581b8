import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { backendOption, positiveInt } from '../options.ts';
import { summary } from './table.ts';

interface WorkerCliOptions {
  queue: string;
  concurrency: string;
  dataDir?: string;
  workDir?: string;
  backend?: string;
  lockDuration: string;
  stalledInterval: string;
  maxStalled: string;
}

const stamp = () => new Date().toISOString().slice(11, 19);

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(summary('worker'))
    .requiredOption('--queue <url>', 'redis://[:password@]host[:port][/db], or rediss://… for TLS')
    .option('--concurrency <n>', 'cells run at the same time, each in its own process', '1')
    .option('--data-dir <dir>', 'the only folder datasets and weights named by jobs are read from (default: MEDFT_DATA_DIR)')
    .option('--work-dir <dir>', 'subsets, cell folders and logs (default: <MEDFT_CACHE_DIR>/worker)')
    .option('--lock-duration <ms>', 'a job\'s lock; a worker silent this long is presumed dead', '30000')
    .option('--stalled-interval <ms>', 'how often to look for cells whose worker died', '15000')
    .option('--max-stalled <n>', 'hand-overs of a cell after worker deaths before it fails', '2')
    .addOption(backendOption())
    .addHelpText('after', `
Run one worker per machine (more --concurrency on machines with more cores or memory). A worker that is
killed loses its cell to the next worker after --lock-duration. Ctrl-C (SIGINT/SIGTERM) lets the cells in
progress finish first; a second Ctrl-C stops at once. See docs/distributed.md.

Example:
  MEDFT_DATA_DIR=/data medft worker --queue redis://:secret@queue-host:6379 --concurrency 2`)
    .action(async (opts: WorkerCliOptions) => {
      const { settingsFromEnv } = await import('../../settings.ts');
      const settings = settingsFromEnv();
      const dir = opts.dataDir ?? settings.paths.dataDir;
      if (!dir) throw new UsageError('medft worker needs a data dir: --data-dir <dir> or MEDFT_DATA_DIR (jobs name datasets relative to it)');
      const { redactUrl } = await import('../../queue/connection.ts');
      const { startWorker } = await import('../../queue/worker.ts');
      let lastError = '';
      const w = await startWorker({
        url: opts.queue,
        concurrency: positiveInt(opts.concurrency, '--concurrency'),
        dataDir: dir,
        workDir: opts.workDir ?? join(settings.paths.cacheDir, 'worker'),
        backend: opts.backend,
        engine: settings.engine,
        paths: settings.paths,
        debug: settings.debug,
        lockMs: positiveInt(opts.lockDuration, '--lock-duration'),
        stalledMs: positiveInt(opts.stalledInterval, '--stalled-interval'),
        maxStalled: positiveInt(opts.maxStalled, '--max-stalled'),
        events: {
          onStart: (j) => process.stdout.write(`${stamp()} start  ${j.cell.id} ${j.cell.caseName} × ${j.cell.config.strategy.id} × seed ${j.cell.config.seed}\n`),
          onEnd: (id, status, detail) => process.stdout.write(`${stamp()} ${status === 'done' ? 'done  ' : 'FAILED'} ${id}: ${detail}\n`),
          onError: (m) => { if (m !== lastError) process.stderr.write(`${stamp()} queue: ${m} (retrying)\n`); lastError = m; },
        },
      });
      process.stdout.write(`${w.banner}; queue ${redactUrl(opts.queue)}\n`);
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = () => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write('stopping: finishing the cells in progress (again to stop now)\n');
          void w.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
