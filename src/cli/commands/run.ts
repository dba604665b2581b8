import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command } from 'commander';
import type { SingleBar } from 'cli-progress';
import { UsageError } from '../../errors.ts';
import type { Cell } from '../../experiment/cells.ts';
import type { Progress, RunEstimate } from '../../experiment/estimate.ts';
import type { Probe } from '../../experiment/probe.ts';
import type { Paths } from '../../paths.ts';
import type { Plan, RunOptions } from '../../experiment/runner.ts';
import { backendOption, engineOption } from '../options.ts';
import { withOutDir } from '../out-option.ts';
import { summary } from './table.ts';

interface RunCliOptions {
  out: string;
  workers?: string;
  dryRun?: boolean;
  json?: boolean;
  probe: boolean;
  retryFailed?: boolean;
  download?: boolean;
  skipBad?: boolean;
  progress: boolean;
  report: boolean;
  backend?: string;
  engine?: string;
  queue?: string;
}

const duration = (s: number) => (s < 10 ? `${s.toFixed(1)} s` : s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);

/** How the LR grids will be searched, in one line (null without a grid). */
async function searchLine(plan: Plan): Promise<string | null> {
  const { groupRungs, lrGroups, scheduleEpochs } = await import('../../experiment/halving.ts');
  const groups = [...lrGroups(plan.cells).values()];
  if (groups.length === 0) return null;
  const s = plan.spec.lrSearch;
  if (s.method === 'grid') return `LR grids: every candidate trains all ${plan.spec.epochs} epochs (lrSearch: grid)`;
  const sizes = [...new Set(groups.map((g) => g.length))].sort((a, b) => a - b).map((n) => {
    const rungs = groupRungs(s, n, plan.spec.epochs);
    return `${n} candidates → ${rungs.map((r) => `${r.candidates} to epoch ${r.epochs}`).join(', ')}: ${scheduleEpochs(rungs)} epochs per group instead of ${n * plan.spec.epochs}`;
  });
  return `LR grids by successive halving (η ${s.eta}, the best ⌊n/η⌋ on validation continue at each rung): ${sizes.join('; ')}`;
}

/** Cells with work left for a run with these options (LR candidates under halving: those sharing their group's rest). */
async function workLeft(plan: Plan, progress: Map<string, Progress>, retryFailed: boolean) {
  const { plannedWork } = await import('../../experiment/estimate.ts');
  const work = plannedWork(plan.cells, plan.spec.lrSearch, progress, retryFailed);
  return { work, todo: plan.cells.filter((c) => work.has(c.id)) };
}

async function estimate(plan: Plan, progress: Map<string, Progress>, opts: RunCliOptions, workers: number, paths: Paths): Promise<{ run: RunEstimate; probes: Probe[] }> {
  const { estimateRun } = await import('../../experiment/estimate.ts');
  const { measureSplitSizes, probeStepTimes } = await import('../../experiment/probe.ts');
  const { work, todo } = await workLeft(plan, progress, !!opts.retryFailed);
  const sizes = await measureSplitSizes(todo, !!opts.download, dirname(resolve(plan.file)), paths);
  const { settingsFromEnv, withBackendFlag, withEngineFlag } = await import('../../settings.ts');
  const engine = withEngineFlag(withBackendFlag(settingsFromEnv().engine, opts.backend), opts.engine);
  const probes = await probeStepTimes(todo, workers, engine, (s) => process.stderr.write(`${s}\n`));
  return { run: estimateRun(todo, sizes, probes, workers, work), probes: [...probes.values()] };
}

const cellLabel = (c: Cell) => `${c.caseName} × ${c.config.strategy.id}${c.config.lrCandidate ? ` × lr ${c.config.lr}` : ''} × seed ${c.config.seed}`;

function printDryRun(plan: Plan, progress: Map<string, Progress>, search: string | null, est: { run: RunEstimate; probes: Probe[] } | null): void {
  const w = (s: string, n: number) => s.padEnd(n);
  const pairs = plan.cells.length / (plan.spec.datasets.length * plan.spec.models.length * plan.spec.seeds.length);
  const strategies = plan.cells.some((c) => c.config.lrCandidate) ? `${pairs} (strategy, LR) pairs from LR grids` : `${plan.spec.strategies.length} strategies`;
  process.stdout.write(`${plan.spec.name}: ${plan.cells.length} cells (${plan.spec.datasets.length} dataset(s) × ${plan.spec.models.length} model(s) × ${strategies} × ${plan.spec.seeds.length} seed(s)), ${plan.spec.epochs} epochs each\n`);
  if (search) process.stdout.write(`${search}\n`);
  const secs = new Map(est?.run.cells.map((x) => [x.id, x.seconds]));
  process.stdout.write(`${w('cell', 18)}${w('dataset', 16)}${w('model', 16)}${w('strategy', 12)}${w('seed', 6)}${w('lr', 10)}${est ? `${w('status', 9)}estimate` : 'status'}\n`);
  for (const c of plan.cells) {
    const k = c.config;
    const st = progress.get(c.id)?.status ?? 'new';
    const time = secs.has(c.id) ? duration(secs.get(c.id)!) : '–';
    process.stdout.write(`${w(c.id, 18)}${w(k.dataset.name, 16)}${w(k.model.name, 16)}${w(k.strategy.id, 12)}${w(String(k.seed), 6)}${w(String(k.lr), 10)}${est ? `${w(st, 9)}${time}` : st}\n`);
  }
  if (!est) return;
  const probes = est.probes.map((p) => `${p.key} ${p.stepSeconds.toFixed(p.stepSeconds < 0.1 ? 4 : 2)} s/step, ${(1000 * p.forwardSecondsPerImage).toFixed(p.forwardSecondsPerImage < 1e-4 ? 4 : 2)} ms/image forward, probe took ${p.seconds.toFixed(p.seconds < 1 ? 3 : 1)} s`).join('; ');
  process.stdout.write(`estimated ${duration(est.run.seconds)} for ${est.run.cells.length} cell(s) to run on ${est.run.workers} worker(s) (probe: ${probes || 'none needed'}; measured now; ±30%)\n`);
  process.stdout.write('per cell: epochs × train images ÷ batch × step time + (epochs + 1) × val images + test images × forward time; frozen (LP) phases counted as full train steps, an upper bound; early stopping only shortens a cell\n');
  if (search?.startsWith('LR grids by successive halving')) process.stdout.write('LR candidates under successive halving: each carries an equal share of its group\'s epochs left (the schedule\'s total less the epochs its candidates trained)\n');
}

function dryRunJson(plan: Plan, progress: Map<string, Progress>, est: { run: RunEstimate; probes: Probe[] } | null) {
  const secs = new Map(est?.run.cells.map((x) => [x.id, x.seconds]));
  return {
    name: plan.spec.name, epochs: plan.spec.epochs, estimatedSeconds: est?.run.seconds ?? null, workers: est?.run.workers ?? null,
    cells: plan.cells.map((c) => ({
      id: c.id, dataset: c.config.dataset.name, model: c.config.model.name, strategy: c.config.strategy.id, seed: c.config.seed, lr: c.config.lr,
      status: progress.get(c.id)?.status ?? 'new', estimatedSeconds: secs.get(c.id) ?? null,
    })),
  };
}

/** With --skip-bad, a finished cell's skipped files are said once per dataset (the cell's environment lists them all). */
const saidSkipped = new Set<string>();
function skippedNote(env: Record<string, unknown>, log: (s: string) => void): void {
  const d = env.data as { source?: string; skipBad?: boolean; skipped?: { file: string }[] } | undefined;
  if (!d?.skipBad || !d.skipped?.length || saidSkipped.has(d.source ?? '')) return;
  saidSkipped.add(d.source ?? '');
  log(`--skip-bad: ${d.skipped.length} bad file(s) of ${d.source} skipped: ${d.skipped.slice(0, 3).map((s) => s.file).join(', ')}${d.skipped.length > 3 ? ', …' : ''} (all listed in the report's metadata)`);
}

/** Overall cells with ETA, plus one line per worker with its cell and epoch (on a terminal only). */
async function progressView(enabled: boolean, workers: number) {
  const tty = enabled && process.stderr.isTTY;
  const cliProgress = tty ? (await import('cli-progress')).default : null;
  const multi = cliProgress ? new cliProgress.MultiBar({ stream: process.stderr, hideCursor: true, clearOnComplete: false, format: '{label} [{bar}] {value}/{total} {unit} · {info}' }, cliProgress.Presets.shades_classic) : null;
  let overall: SingleBar | null = null;
  const bars = new Map<number, SingleBar>();
  const log = (s: string) => (multi ? multi.log(`${s}\n`) : process.stderr.write(`${s}\n`));
  return {
    log,
    start(total: number, done: number) {
      if (!multi) return;
      overall = multi.create(total, done, { label: 'cells   ', unit: 'cells', info: 'ETA {eta_formatted}' }, { format: 'cells    [{bar}] {value}/{total} cells · elapsed {duration_formatted} · ETA {eta_formatted}' });
      for (let i = 1; i <= workers; i++) bars.set(i, multi.create(1, 0, { label: `worker ${i}`, unit: 'batches', info: 'starting' }));
    },
    cellDone() { overall?.increment(); },
    worker(n: number, value: number, total: number, info: string) {
      const b = bars.get(((n - 1) % workers) + 1);
      if (!b) return;
      b.setTotal(total);
      b.update(value, { info });
    },
    stop() { multi?.stop(); },
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(summary('run'))
    .argument('<file>', 'experiment file (YAML; see docs/experiments.md)')
    .requiredOption('--out <dir>', 'output folder: results.db, cells/<id>/, logs/, report/')
    .option('--workers <n>', 'worker processes, one engine each (default: one per core)')
    .option('--dry-run', 'list the cells and their status in --out (new, pending, running, done, failed) and estimate the run time from a short probe, without running any cell')
    .option('--no-probe', 'with --dry-run: list the cells only (no probe, no time estimate)')
    .option('--retry-failed', 'run again the cells that failed in an earlier run')
    .option('--download', 'download MedMNIST datasets that are not found locally')
    .option('--skip-bad', "skip image files that cannot be used instead of failing their cells (the experiment file's 'skipBad: true'); each cell lists the files it skipped")
    .option('--no-progress', 'no progress bars (one line per finished cell instead)')
    .option('--no-report', 'do not write the report at the end')
    .option('--json', 'print one JSON object on stdout at the end (cells run, done, failed; report files; per case the strategy to use) instead of text; with --dry-run, the cells')
    .option('--queue <url>', 'put the cells on a Redis queue for `medft worker`s on any machine instead of a local pool (docs/distributed.md)')
    .addOption(backendOption())
    .addOption(engineOption())
    .addHelpText('after', `
Each cell's id is a hash of its full config. Rerunning the same file with the same --out skips the cells already
done and resumes a cell that was interrupted from its last epoch checkpoint; a failed cell is recorded with its
error and run again only with --retry-failed. Datasets named by MedMNIST name are looked up in MEDFT_DATA_DIR,
the cache, then the copies shipped with medft (BreastMNIST, which the default experiment uses).

Examples:
  medft run experiments/default.yaml --out runs/default
  medft run experiments/default.yaml --out runs/default --dry-run
  medft run grid.yaml --out runs/grid --workers 2 --retry-failed`)
    .action(withOutDir({ keep: (dir) => existsSync(join(dir, 'results.db')), check: async (o) => (await import('../../experiment/store-file.ts')).assertStoreUsable(join(o.out, 'results.db')) }, async (file: string, opts: RunCliOptions) => {
      const { cellProgress, defaultWorkers, planExperiment, runExperiment } = await import('../../experiment/runner.ts');
      let workers = defaultWorkers();
      if (opts.workers != null) {
        workers = Number(opts.workers);
        if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got '${opts.workers}'`);
      }
      const plan = planExperiment(file, { skipBad: opts.skipBad });
      const { pathsFromEnv, settingsFromEnv, withBackendFlag, withEngineFlag } = await import('../../settings.ts');
      // Only the paths before a dry run: it reads the engine settings only when it probes.
      const paths = pathsFromEnv();
      if (opts.dryRun) {
        const progress = cellProgress(opts.out, plan.cells);
        // Every dataset must be there (or be a MedMNIST name that --download will fetch), probe or no probe.
        const { checkDatasets, withLocalPaths } = await import('../../experiment/data.ts');
        const base = dirname(resolve(plan.file));
        for (const note of await checkDatasets(plan.cells.map((c) => withLocalPaths(c, base, paths)), !!opts.download, paths)) process.stderr.write(`${note}\n`);
        const est = opts.probe ? await estimate(plan, progress, opts, workers, paths) : null;
        if (opts.json) process.stdout.write(`${JSON.stringify(dryRunJson(plan, progress, est), null, 2)}\n`);
        else printDryRun(plan, progress, await searchLine(plan), est);
        return;
      }
      const settings = settingsFromEnv();
      const engine = withEngineFlag(withBackendFlag(settings.engine, opts.backend), opts.engine);
      const debug = settings.debug;
      // The queue client and the report renderer load only when used.
      const queue = opts.queue ? { url: opts.queue, ...(await import('../../queue/coordinator.ts')), ...(await import('../../queue/connection.ts')) } : null;
      const view = await progressView(opts.progress, opts.queue ? 0 : workers);
      const t0 = performance.now();
      let finished = 0;
      let total = 0;
      const labels = new Map<number, string>();
      const search = await searchLine(plan);
      const run = (o: RunOptions) => (queue ? queue.runQueued(plan, { ...o, url: queue.url }) : runExperiment(plan, o));
      const summary = await run({
        out: opts.out, workers, retryFailed: opts.retryFailed, download: opts.download, engine, paths, debug,
        events: {
          onPlan: (p) => {
            total = p.todo.length;
            const stopped = p.stopped ? `, ${p.stopped} stopped by successive halving` : '';
            process.stderr.write(`${plan.spec.name}: ${p.total} cells; ${p.done} done already, ${p.failed} failed earlier (not retried${p.failed ? '; use --retry-failed' : ''})${stopped}, ${p.todo.length} to run ${queue ? `on the queue ${queue.redactUrl(queue.url)}` : `on ${Math.min(workers, Math.max(1, p.todo.length))} worker(s)`}\n`);
            if (search) process.stderr.write(`${search}\n`);
            view.start(p.total, p.done + p.stopped);
          },
          onReady: (n, banner) => { if (n === 1) view.log(banner); },
          onNote: (m) => process.stderr.write(`${m}\n`),
          onStart: (n, t) => {
            labels.set(n, `${t.cell.config.strategy.id}${t.cell.config.lrCandidate ? ` × lr ${t.cell.config.lr}` : ''} × seed ${t.cell.config.seed} · ${t.cell.caseName}${t.stopAfterEpoch ? ` (rung: to epoch ${t.stopAfterEpoch})` : ''}`);
            view.worker(n, 0, 1, `${labels.get(n)} · starting`);
          },
          onMessage: (n, m) => {
            if (m.type === 'batch') view.worker(n, m.batch, m.batches, `${labels.get(n)} · epoch ${m.epoch}/${plan.spec.epochs}`);
            if (m.type === 'done') skippedNote(m.result.environment, view.log);
          },
          onCellEnd: (cell, status, error) => {
            finished++;
            view.cellDone();
            const eta = finished < total ? ` · ETA ${Math.round(((performance.now() - t0) / 1000 / finished) * (total - finished))} s` : '';
            const what = status === 'done' ? 'done  ' : status === 'stopped' ? 'stopped' : 'FAILED';
            const why = status === 'stopped' ? ': not among the best of its rung on validation (successive halving)' : error ? `: ${error}` : '';
            view.log(`${what} ${cell.id} ${cellLabel(cell)} (${finished}/${total}${eta})${why}`);
          },
        },
      });
      view.stop();
      const secs = ((performance.now() - t0) / 1000).toFixed(0);
      const stopped = summary.stopped ? `, ${summary.stopped} LR candidate(s) stopped by successive halving` : '';
      process.stderr.write(`${summary.done}/${summary.total} cells done (${summary.skipped} skipped as already done, ${summary.ran} run, ${summary.failed.length} failed${stopped}) in ${secs} s; results in ${summary.dbPath}\n`);
      if (summary.previouslyFailed > 0) process.stderr.write(`${summary.previouslyFailed} cell(s) failed in an earlier run; rerun with --retry-failed to try them again\n`);
      const { majoritySummary, writeReport } = await import('../../report/index.ts');
      const report = opts.report ? await writeReport(opts.out) : null;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({
          out: opts.out, results: summary.dbPath, total: summary.total, done: summary.done, ran: summary.ran, skipped: summary.skipped,
          stopped: summary.stopped ?? 0,
          failed: summary.failed.map((f) => ({ cell: f.cell.id, case: f.cell.caseName, strategy: f.cell.config.strategy.id, seed: f.cell.config.seed, error: f.error })),
          previouslyFailed: summary.previouslyFailed, seconds: Number(secs),
          report: report ? { html: report.htmlPath, markdown: report.markdownPath, csv: report.csvPath } : null,
          summaries: report?.summaries ?? null, headline: report?.headline ?? (summary.done > 0 ? majoritySummary(opts.out) : []),
        }, null, 2)}\n`);
      } else if (report) {
        // The report's first screen: per case the strategy to use, the majority-class baseline, what cannot be told apart.
        process.stdout.write(`${report.headline.map((l) => `${l}\n`).join('')}report: ${report.htmlPath}\n`);
        process.stdout.write(`best model per case (chosen on validation): medft export ${opts.out} --out <dir>\n`);
      } else if (summary.done > 0) {
        process.stdout.write(majoritySummary(opts.out).map((l) => `${l}\n`).join(''));
      }
      if (summary.failed.length > 0) process.exitCode = 1;
    }));
}
