/**
 * The results store: `<out>/results.db` (SQLite, WAL mode). One writer (the parent of the worker pool), one
 * transaction per write, so a kill -9 at any moment leaves whole epochs and whole finished cells, never half of one.
 */
import Database from 'better-sqlite3';
import type { ClassificationReport } from '../eval/index.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitPredictions } from '../train/predict.ts';
import { canonicalJson, type Cell, type CellConfig } from './cells.ts';
import { openStoreDb } from './store-file.ts';

/** 'stopped': an LR candidate that successive halving stopped at a rung (its epochs so far are kept). */
export type CellStatus = 'pending' | 'running' | 'done' | 'failed' | 'stopped';

export interface CellRow {
  id: string;
  caseName: string;
  dataset: string;
  model: string;
  strategy: string;
  seed: number;
  config: CellConfig;
  status: CellStatus;
  error: string | null;
  attempts: number;
  seconds: number | null;
  finishedAt: string | null;
}

/** Everything a finished cell leaves behind. */
export interface CellResult {
  val: ClassificationReport | null;
  test: ClassificationReport | null;
  bestEpoch: number | null;
  history: EpochRecord[];
  timings: Record<string, number>;
  environment: Record<string, unknown>;
  /** Per-image probabilities behind val and test (absent in results recorded before medft kept them). */
  predictions?: { val: SplitPredictions | null; test: SplitPredictions | null };
}

export type PredictionSplit = 'val' | 'test';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL, file TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (id TEXT PRIMARY KEY, case_name TEXT NOT NULL, dataset TEXT NOT NULL, model TEXT NOT NULL, strategy TEXT NOT NULL,
  seed INTEGER NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', error TEXT, attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT, finished_at TEXT, seconds REAL);
CREATE TABLE IF NOT EXISTS experiment_cells (experiment_id TEXT NOT NULL, cell_id TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (experiment_id, cell_id));
CREATE TABLE IF NOT EXISTS epochs (cell_id TEXT NOT NULL, epoch INTEGER NOT NULL, phase TEXT NOT NULL, train_loss REAL, penalty REAL, val_loss REAL,
  val_accuracy REAL, val_balanced_accuracy REAL, val_macro_f1 REAL, val_auc REAL, lr_start REAL, lr_end REAL, best INTEGER, seconds REAL, record TEXT NOT NULL,
  PRIMARY KEY (cell_id, epoch));
CREATE TABLE IF NOT EXISTS metrics (cell_id TEXT NOT NULL, split TEXT NOT NULL, metric TEXT NOT NULL, value REAL, PRIMARY KEY (cell_id, split, metric));
CREATE TABLE IF NOT EXISTS confusion (cell_id TEXT NOT NULL, split TEXT NOT NULL, matrix TEXT NOT NULL, PRIMARY KEY (cell_id, split));
CREATE TABLE IF NOT EXISTS reports (cell_id TEXT NOT NULL, split TEXT NOT NULL, report TEXT NOT NULL, PRIMARY KEY (cell_id, split));
CREATE TABLE IF NOT EXISTS timings (cell_id TEXT NOT NULL, what TEXT NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (cell_id, what));
CREATE TABLE IF NOT EXISTS environment (cell_id TEXT PRIMARY KEY, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS predictions (cell_id TEXT NOT NULL, split TEXT NOT NULL, position INTEGER NOT NULL, sample_id TEXT NOT NULL,
  label INTEGER NOT NULL, probabilities TEXT NOT NULL, PRIMARY KEY (cell_id, split, position));
`;

const FLAT_METRICS = ['accuracy', 'balancedAccuracy', 'macroF1', 'macroAuc', 'ece', 'mce', 'nll'] as const;

interface RawCell {
  id: string; case_name: string; dataset: string; model: string; strategy: string; seed: number; config: string;
  status: CellStatus; error: string | null; attempts: number; seconds: number | null; finished_at: string | null;
}

const toRow = (r: RawCell): CellRow => ({
  id: r.id, caseName: r.case_name, dataset: r.dataset, model: r.model, strategy: r.strategy, seed: r.seed, config: JSON.parse(r.config),
  status: r.status, error: r.error, attempts: r.attempts, seconds: r.seconds, finishedAt: r.finished_at,
});

const now = () => new Date().toISOString();

export class ResultsStore {
  readonly db: Database.Database;

  constructor(readonly path: string, options: { readonly?: boolean } = {}) {
    this.db = openStoreDb(path, { readonly: options.readonly ?? false, schema: SCHEMA });
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records the experiment and its cells (new cells as pending; existing ones keep their status). The spec is the
   * latest run's: settings that are no part of any cell (lrSearch, metric, baseline) may change between runs.
   */
  registerExperiment(id: string, name: string, file: string, spec: unknown, cells: Cell[]): void {
    const t = now();
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO experiments (id, name, file, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, file = excluded.file, spec = excluded.spec`).run(id, name, file, canonicalJson(spec), t, t);
      const ins = this.db.prepare(`INSERT OR IGNORE INTO cells (id, case_name, dataset, model, strategy, seed, config) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      const link = this.db.prepare('INSERT OR REPLACE INTO experiment_cells (experiment_id, cell_id, position) VALUES (?, ?, ?)');
      cells.forEach((c, i) => {
        ins.run(c.id, c.caseName, c.config.dataset.name, c.config.model.name, c.config.strategy.id, c.config.seed, canonicalJson(c.config));
        link.run(id, c.id, i);
      });
    })();
  }

  /** The most recently run experiment in this store. */
  latestExperiment(): { id: string; name: string; file: string; spec: unknown; createdAt: string; updatedAt: string } | null {
    const r = this.db.prepare('SELECT * FROM experiments ORDER BY updated_at DESC LIMIT 1').get() as
      { id: string; name: string; file: string; spec: string; created_at: string; updated_at: string } | undefined;
    return r ? { id: r.id, name: r.name, file: r.file, spec: JSON.parse(r.spec), createdAt: r.created_at, updatedAt: r.updated_at } : null;
  }

  cells(experimentId: string): CellRow[] {
    return (this.db.prepare(`SELECT c.* FROM cells c JOIN experiment_cells e ON e.cell_id = c.id WHERE e.experiment_id = ? ORDER BY e.position`)
      .all(experimentId) as RawCell[]).map(toRow);
  }

  cell(id: string): CellRow | null {
    const r = this.db.prepare('SELECT * FROM cells WHERE id = ?').get(id) as RawCell | undefined;
    return r ? toRow(r) : null;
  }

  markRunning(id: string): void {
    this.db.prepare(`UPDATE cells SET status = 'running', error = NULL, attempts = attempts + 1, started_at = ? WHERE id = ?`).run(now(), id);
  }

  /** One epoch as it ends (a re-run epoch after a resume replaces the earlier row). */
  recordEpoch(id: string, r: EpochRecord): void {
    this.db.prepare(`INSERT OR REPLACE INTO epochs (cell_id, epoch, phase, train_loss, penalty, val_loss, val_accuracy, val_balanced_accuracy, val_macro_f1,
      val_auc, lr_start, lr_end, best, seconds, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, r.epoch, r.phase, r.trainLoss, r.penalty, r.val?.loss ?? null, r.val?.accuracy ?? null, r.val?.balancedAccuracy ?? null,
        r.val?.macroF1 ?? null, r.val?.auc ?? null, r.lrStart, r.lrEnd, r.best ? 1 : 0, r.seconds, JSON.stringify(r));
  }

  /**
   * A finished cell: status, metrics, confusion matrices, reports, per-image predictions, full history, timings and
   * environment, at once.
   * A cell already done keeps its first result (false): a queue coordinator restarted mid-run may collect the same
   * finished job twice.
   */
  recordDone(id: string, res: CellResult): boolean {
    return this.db.transaction(() => {
      if (this.cell(id)?.status === 'done') return false;
      this.db.prepare('DELETE FROM epochs WHERE cell_id = ? AND epoch > ?').run(id, res.history.length);
      for (const r of res.history) this.recordEpoch(id, r);
      const m = this.db.prepare('INSERT OR REPLACE INTO metrics (cell_id, split, metric, value) VALUES (?, ?, ?, ?)');
      const cm = this.db.prepare('INSERT OR REPLACE INTO confusion (cell_id, split, matrix) VALUES (?, ?, ?)');
      const rep = this.db.prepare('INSERT OR REPLACE INTO reports (cell_id, split, report) VALUES (?, ?, ?)');
      for (const split of ['val', 'test'] as const) {
        const r = res[split];
        if (!r) continue;
        for (const k of FLAT_METRICS) m.run(id, split, k, r[k] ?? null);
        cm.run(id, split, JSON.stringify(r.confusionMatrix));
        rep.run(id, split, JSON.stringify(r));
      }
      this.writePredictions(id, res.predictions);
      const t = this.db.prepare('INSERT OR REPLACE INTO timings (cell_id, what, seconds) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(res.timings)) t.run(id, k, v);
      this.db.prepare('INSERT OR REPLACE INTO environment (cell_id, info) VALUES (?, ?)').run(id, JSON.stringify(res.environment));
      this.db.prepare(`UPDATE cells SET status = 'done', error = NULL, finished_at = ?, seconds = ? WHERE id = ?`)
        .run(now(), res.timings.total ?? null, id);
      return true;
    })();
  }

  /** One row per image and split, in the order the metrics saw them; probabilities as a JSON array per row. */
  private writePredictions(id: string, predictions: CellResult['predictions']): void {
    this.db.prepare('DELETE FROM predictions WHERE cell_id = ?').run(id);
    const ins = this.db.prepare('INSERT INTO predictions (cell_id, split, position, sample_id, label, probabilities) VALUES (?, ?, ?, ?, ?, ?)');
    for (const split of ['val', 'test'] as const) {
      const p = predictions?.[split];
      if (!p) continue;
      const k = p.numClasses;
      for (let i = 0; i < p.labels.length; i++) ins.run(id, split, i, p.sampleIds[i], p.labels[i], JSON.stringify(p.probabilities.slice(i * k, (i + 1) * k)));
    }
  }

  recordFailed(id: string, error: string): void {
    this.db.prepare(`UPDATE cells SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`).run(error, now(), id);
  }

  /** An LR candidate stopped at a rung: the epochs it ran (again, in case the last ones never arrived) and its status. */
  recordStopped(id: string, history: EpochRecord[]): void {
    this.db.transaction(() => {
      for (const r of history) this.recordEpoch(id, r);
      this.db.prepare(`UPDATE cells SET status = 'stopped', error = NULL, finished_at = ? WHERE id = ?`).run(now(), id);
    })();
  }

  metric(id: string, split: string, metric: string): number | null {
    const r = this.db.prepare('SELECT value FROM metrics WHERE cell_id = ? AND split = ? AND metric = ?').get(id, split, metric) as { value: number | null } | undefined;
    return r?.value ?? null;
  }

  report(id: string, split: string): ClassificationReport | null {
    const r = this.db.prepare('SELECT report FROM reports WHERE cell_id = ? AND split = ?').get(id, split) as { report: string } | undefined;
    return r ? JSON.parse(r.report) : null;
  }

  epochs(id: string): EpochRecord[] {
    return (this.db.prepare('SELECT record FROM epochs WHERE cell_id = ? ORDER BY epoch').all(id) as { record: string }[]).map((r) => JSON.parse(r.record));
  }

  timings(id: string): Record<string, number> {
    return Object.fromEntries((this.db.prepare('SELECT what, seconds FROM timings WHERE cell_id = ?').all(id) as { what: string; seconds: number }[]).map((r) => [r.what, r.seconds]));
  }

  /** A cell's kept predictions on a split; null when none were kept (a store written before medft kept them). */
  predictions(id: string, split: PredictionSplit): SplitPredictions | null {
    if (!this.hasTable('predictions')) return null;
    const rows = this.db.prepare('SELECT sample_id, label, probabilities FROM predictions WHERE cell_id = ? AND split = ? ORDER BY position')
      .all(id, split) as { sample_id: string; label: number; probabilities: string }[];
    if (rows.length === 0) return null;
    const probabilities: number[] = [];
    for (const r of rows) probabilities.push(...(JSON.parse(r.probabilities) as number[]));
    return { numClasses: probabilities.length / rows.length, sampleIds: rows.map((r) => r.sample_id), labels: rows.map((r) => r.label), probabilities };
  }

  /** A store opened read-only keeps the schema it was written with. */
  private hasTable(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  }

  environment(id: string): Record<string, unknown> | null {
    const r = this.db.prepare('SELECT info FROM environment WHERE cell_id = ?').get(id) as { info: string } | undefined;
    return r ? JSON.parse(r.info) : null;
  }
}
