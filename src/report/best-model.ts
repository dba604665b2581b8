/**
 * `medft export`: the best fine-tuned model of each case of a run, as a saved model folder (model.json + weights.bin
 * + medft.json, which `medft evaluate` and `medft predict` take).
 *
 * "Best" is decided on the validation split only, never on test: per case, the strategy with the best mean validation
 * value of the experiment's metric over its seeds (ties → the first strategy of the experiment file; LR grids reduced
 * first as in the report), then that strategy's seed with the best validation value (ties → the smaller seed).
 * A run that kept its models (`keepModels: true`) gives the cell's saved model; otherwise the cell is trained again
 * from its stored config — a cell is a pure function of its config, so with the same backend and thread count the
 * model is the one the run measured, and the reproduced test metric is compared with the stored one.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_ENGINE_SETTINGS, initEngine, parseBackendName, type EngineSettings } from '../engine/index.ts';
import { InputError } from '../errors.ts';
import type { Cell } from '../experiment/cells.ts';
import { prepareDataset, withLocalPaths } from '../experiment/data.ts';
import { runCell, type CellEvents } from '../experiment/run-cell.ts';
import type { Paths } from '../paths.ts';
import { chooseBest, type BestChoice } from './choose-best.ts';
import { loadReportData, metricValue } from './load.ts';
import { selectLr } from './select-lr.ts';

export { chooseBest, type BestChoice } from './choose-best.ts';

export interface ExportOptions {
  out: string;
  /** Only this case (as named in the report, e.g. "breastmnist × resnet50"). */
  caseName?: string;
  download?: boolean;
  /** Where a cell trained again finds its data and weights and keeps caches. */
  paths: Paths;
  log?: (line: string) => void;
  events?: CellEvents;
  /**
   * The user's own engine choices (src/settings.ts, engineChoicesFromEnv): they win over a cell's recorded thread
   * count and Winograd choice; the rest comes from the record.
   */
  engine?: Partial<EngineSettings>;
}

/**
 * The engine a cell ran on, as far as it changes its numbers: the backend, the accelerator's thread count and
 * algorithm choice (both change the last bits of native convolutions; runs recorded before Winograd existed ran
 * without it), the data-parallel replicas (likewise, and the replicas' dropout masks) and where the train steps ran.
 * The user's own thread count and Winograd choice win; the replicas and the step engine are always the record's.
 */
export function reproducingEngine(recorded: RecordedEngine, user: Partial<EngineSettings>, source: string): EngineSettings {
  return {
    ...DEFAULT_ENGINE_SETTINGS,
    ...(recorded.acceleratorThreads ? { acceleratorThreads: recorded.acceleratorThreads } : {}),
    ...(recorded.accelerator === 'onednn' ? { winograd: !!recorded.acceleratorWinograd } : {}),
    ...user,
    ...(recorded.backend ? { backend: parseBackendName(recorded.backend, source) } : {}),
    replicas: String(recorded.replicas ?? 1),
    step: recorded.step === 'native' ? 'native' : 'tfjs',
  };
}

/** A cell's stored environment.engine (older runs lack some fields). */
export interface RecordedEngine {
  backend?: string; accelerator?: string; acceleratorThreads?: number; acceleratorWinograd?: boolean; replicas?: number;
  /** Where the train steps ran (absent: before the native engine, TF.js). */
  step?: string;
}

export interface ExportedModel extends BestChoice {
  dir: string;
  source: 'kept' | 'retrained';
  metric: string;
  storedTest: number | null;
  /** The retrained model's test value (null when the kept model was copied). */
  reproducedTest: number | null;
}

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '');
const MODEL_FILES = ['model.json', 'weights.bin', 'medft.json', 'metrics.json', 'curves.csv'];

export async function exportBestModels(runDir: string, o: ExportOptions): Promise<ExportedModel[]> {
  const data = loadReportData(runDir);
  const metric = (data.experiment.spec as { metric?: string }).metric ?? 'accuracy';
  let choices = chooseBest(selectLr(data.cells, metric).cells, metric);
  if (o.caseName) {
    const names = choices.map((c) => `'${c.caseName}'`).join(', ');
    choices = choices.filter((c) => c.caseName === o.caseName);
    if (!choices.length) throw new InputError(`${runDir}: no finished case named '${o.caseName}' (finished: ${names || 'none'})`);
  }
  if (!choices.length) throw new InputError(`${runDir}: no finished cell with validation metrics yet; nothing to export`);
  const log = o.log ?? (() => {});
  const exported: ExportedModel[] = [];
  for (const choice of choices) {
    const dir = join(o.out, slug(choice.caseName));
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`${dir}: exists and is not empty; choose another --out or remove it`);
    mkdirSync(dir, { recursive: true });
    const { cell } = choice;
    const storedTest = metricValue(cell, 'test', metric);
    log(`${choice.caseName}: best on validation ${metric}: ${choice.strategy} (mean ${choice.meanVal.toFixed(3)} over ${choice.seeds} seed(s)); seed ${cell.seed} (val ${choice.val.toFixed(3)}, stored test ${storedTest?.toFixed(3) ?? '–'})`);
    const kept = join(data.dir, 'cells', cell.id);
    if (existsSync(join(kept, 'model.json'))) {
      for (const f of MODEL_FILES) if (existsSync(join(kept, f))) copyFileSync(join(kept, f), join(dir, f));
      exported.push({ ...choice, dir, source: 'kept', metric, storedTest, reproducedTest: null });
      continue;
    }
    // Reproduce the cell on the engine it ran on.
    const engine = reproducingEngine((cell.environment?.engine ?? {}) as RecordedEngine, o.engine ?? {}, `${runDir} (the cell's recorded backend)`);
    await initEngine(engine);
    log(`  the run kept no models (keepModels: false): training cell ${cell.id} again from its config`);
    // Paths as the experiment file wrote them, relative to its folder (the store keeps the file's absolute path).
    const local = withLocalPaths({ id: cell.id, caseName: cell.caseName, config: cell.config } satisfies Cell, dirname(data.experiment.file), o.paths);
    const c = local.config;
    const dataPath = await prepareDataset(c.dataset.data, c.dataset.subset, data.dir, !!o.download, o.paths);
    const result = await runCell(local, engine, o.paths, dataPath, dir, true, o.events);
    exported.push({ ...choice, dir, source: 'retrained', metric, storedTest, reproducedTest: metricValue({ ...cell, test: result.test }, 'test', metric) });
  }
  return exported;
}
