/** Reads what the report needs from `<dir>/results.db`: the latest experiment, its cells and their results. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { ClassificationReport } from '../eval/index.ts';
import { canonicalJson } from '../experiment/cells.ts';
import { ResultsStore, type CellRow } from '../experiment/store.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitPredictions } from '../train/predict.ts';

export interface ReportCell extends CellRow {
  /** Strategy label in tables: the id, or id#n when the grid holds the same strategy with different parameters or LRs. */
  label: string;
  test: ClassificationReport | null;
  val: ClassificationReport | null;
  epochs: EpochRecord[];
  timings: Record<string, number>;
  environment: Record<string, unknown> | null;
  /** The test split's per-image predictions (null when not done, or recorded before medft kept them). */
  testPredictions: SplitPredictions | null;
}

/** A finished cell's value of `metric` on a split, or null (not done, no such metric, not a finite number). */
export function metricValue(c: ReportCell, split: 'val' | 'test', metric: string): number | null {
  const report = c[split] as unknown as Record<string, unknown> | null;
  const v = report ? report[metric] : null;
  return c.status === 'done' && typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface ReportData {
  dir: string;
  experiment: { id: string; name: string; file: string; spec: Record<string, unknown>; createdAt: string; updatedAt: string };
  cells: ReportCell[];
}

/** What tells two variants of a strategy apart: its params and LR, or for LR-grid candidates the params alone. */
const variantKey = (r: CellRow) => canonicalJson([r.config.strategy.params, r.config.lrCandidate ? 'lrGrid' : r.config.lr]);

export function loadReportData(dir: string): ReportData {
  const db = join(resolve(dir), 'results.db');
  if (!existsSync(db)) throw new InputError(`${dir}: no results.db here; point at the --out folder of a 'medft run'`);
  // Read-only: a report never changes the store it reads (nor turns a stray file into an empty store).
  const store = new ResultsStore(db, { readonly: true });
  try {
    const experiment = store.latestExperiment();
    if (!experiment) throw new InputError(`${db}: holds no experiment yet; run 'medft run <file> --out ${dir}' first`);
    const rows = store.cells(experiment.id);
    const variants = new Map<string, string[]>();
    for (const r of rows) {
      const key = variantKey(r);
      const list = variants.get(r.strategy) ?? [];
      if (!list.includes(key)) list.push(key);
      variants.set(r.strategy, list);
    }
    const cells = rows.map((r): ReportCell => {
      const list = variants.get(r.strategy)!;
      const i = list.indexOf(variantKey(r));
      return {
        ...r,
        label: list.length > 1 ? `${r.strategy}#${i + 1}` : r.strategy,
        test: r.status === 'done' ? store.report(r.id, 'test') : null,
        val: r.status === 'done' ? store.report(r.id, 'val') : null,
        epochs: store.epochs(r.id),
        timings: store.timings(r.id),
        environment: store.environment(r.id),
        testPredictions: r.status === 'done' ? store.predictions(r.id, 'test') : null,
      };
    });
    return { dir: resolve(dir), experiment: experiment as ReportData['experiment'], cells };
  } finally {
    store.close();
  }
}
