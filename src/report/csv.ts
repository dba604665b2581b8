/** results.csv: one row per cell with its config and test/validation metrics, for spreadsheets and R/pandas. */
import type { ReportData } from './load.ts';
import type { LrChoice } from './select-lr.ts';

const COLUMNS = ['cell_id', 'dataset', 'model', 'case', 'strategy', 'strategy_params', 'seed', 'epochs', 'lr', 'lr_chosen', 'input_size', 'batch_size', 'weights',
  'bn_momentum', 'bn_recalibration', 'status',
  'test_accuracy', 'test_balanced_accuracy', 'test_macro_f1', 'test_auc', 'test_ece', 'test_nll',
  'val_accuracy', 'val_balanced_accuracy', 'val_macro_f1', 'val_auc', 'best_epoch', 'seconds', 'error'] as const;

/** One CSV field: quoted when it holds a quote, comma or line break (RFC 4180). */
export const csvField = (x: unknown) => {
  if (x == null) return '';
  const s = String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * lr_chosen: the LR the report keeps for the cell's (case, strategy, seed) — with an LR grid the candidate chosen on
 * validation (`choices` from selectLr; empty while none is done), else the cell's own LR.
 */
export function resultsCsv(data: ReportData, choices: LrChoice[] = []): string {
  const chosen = new Map(choices.map((x) => [JSON.stringify([x.caseName, x.strategy, x.seed]), x.chosen]));
  const rows = data.cells.map((c) => {
    const bests = c.epochs.filter((e) => e.best).map((e) => e.epoch);
    const k = c.config;
    const model = (c.environment?.model as { inputSize?: number } | undefined);
    return [c.id, c.dataset, c.model, c.caseName, c.label, JSON.stringify(k.strategy.params), c.seed, k.epochs, k.lr,
      k.lrCandidate ? chosen.get(JSON.stringify([c.caseName, c.label, c.seed])) : k.lr, k.model.inputSize ?? model?.inputSize, k.train.batchSize, k.model.weights ?? 'none',
      k.train.bnMomentum, k.train.bnRecalibration, c.status,
      c.test?.accuracy, c.test?.balancedAccuracy, c.test?.macroF1, c.test?.macroAuc, c.test?.ece, c.test?.nll,
      c.val?.accuracy, c.val?.balancedAccuracy, c.val?.macroF1, c.val?.macroAuc,
      bests.length ? Math.max(...bests) : null, c.timings.total, c.error].map(csvField).join(',');
  });
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}
