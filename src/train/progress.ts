/** What the loop's progress looks like as text: one line per epoch, and the learning curves as CSV. */
import type { EpochRecord } from './loop.ts';

const f = (x: number | null | undefined, d = 4) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(d));

export function formatEpochLine(r: EpochRecord, totalEpochs: number): string {
  const v = r.val;
  const val = v ? ` · val loss ${f(v.loss)} acc ${f(v.accuracy, 3)} bacc ${f(v.balancedAccuracy, 3)} auc ${f(v.auc, 3)}` : '';
  const pen = r.penalty != null ? ` (+penalty ${f(r.penalty)})` : '';
  const lr = r.lrStart === r.lrEnd ? r.lrStart.toExponential(2) : `${r.lrStart.toExponential(2)}→${r.lrEnd.toExponential(2)}`;
  const flags = `${r.best ? ' ★' : ''}${r.stoppedPhase ? ' (patience out: phase ends)' : ''}`;
  return `epoch ${r.epoch}/${totalEpochs} [${r.phase}] loss ${f(r.trainLoss)}${pen}${val} · lr ${lr} · ${r.imagesPerSec.toFixed(1)} img/s${r.cachedBlocks?.length ? ' (cached prefix)' : ''} · ${r.seconds.toFixed(1)} s${flags}`;
}

const COLUMNS = ['epoch', 'phase', 'trainable_blocks', 'lr_start', 'lr_end', 'train_loss', 'penalty', 'val_loss', 'val_accuracy',
  'val_balanced_accuracy', 'val_macro_f1', 'val_auc', 'best', 'images_per_sec', 'seconds'] as const;

export function curvesCsv(history: EpochRecord[]): string {
  const cell = (x: unknown) => (x == null ? '' : typeof x === 'string' && /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : String(x));
  const rows = history.map((r) => [r.epoch, r.phase, r.trainableBlocks.join(' '), r.lrStart, r.lrEnd, r.trainLoss, r.penalty, r.val?.loss,
    r.val?.accuracy, r.val?.balancedAccuracy, r.val?.macroF1, r.val?.auc, r.best ? 1 : 0, r.imagesPerSec, r.seconds].map(cell).join(','));
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}
