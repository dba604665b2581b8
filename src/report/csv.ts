/** results.csv: one row per cell with its config and test/validation metrics, for spreadsheets and R/pandas. */
import type { ReportData } from './load.ts';

const COLUMNS = ['cell_id', 'dataset', 'model', 'case', 'strategy', 'strategy_params', 'seed', 'epochs', 'lr', 'status',
  'test_accuracy', 'test_balanced_accuracy', 'test_macro_f1', 'test_auc', 'test_ece', 'test_nll',
  'val_accuracy', 'val_balanced_accuracy', 'val_macro_f1', 'val_auc', 'best_epoch', 'seconds', 'error'] as const;

/** One CSV field: quoted when it holds a quote, comma or newline (RFC 4180). */
export const csvField = (x: unknown) => {
  if (x == null) return '';
  const s = String(x);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function resultsCsv(data: ReportData): string {
  const rows = data.cells.map((c) => {
    const bests = c.epochs.filter((e) => e.best).map((e) => e.epoch);
    return [c.id, c.dataset, c.model, c.caseName, c.label, JSON.stringify(c.config.strategy.params), c.seed, c.config.epochs, c.config.lr, c.status,
      c.test?.accuracy, c.test?.balancedAccuracy, c.test?.macroF1, c.test?.macroAuc, c.test?.ece, c.test?.nll,
      c.val?.accuracy, c.val?.balancedAccuracy, c.val?.macroF1, c.val?.macroAuc,
      bests.length ? Math.max(...bests) : null, c.timings.total, c.error].map(csvField).join(',');
  });
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}
