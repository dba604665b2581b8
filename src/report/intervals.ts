/**
 * The uncertainty of each cell's own test result: a percentile bootstrap interval of the report's metric over the
 * cell's test images (src/eval bootstrapCI on the kept predictions). Seeds say how much a strategy moves between
 * runs; this says how much one run's number would move on another draw of test images of the same size.
 */
import { InputError } from '../errors.ts';
import { bootstrapCI, type BootstrapResult, type MetricName } from '../eval/index.ts';
import type { ReportCell } from './load.ts';

/** Every cell is resampled with the same settings, so the report is reproducible to the last digit. */
export const CELL_BOOTSTRAP = { resamples: 1000, seed: 0, level: 0.95 } as const;

/** Interval per cell id, for the done cells that kept test predictions (and where the metric is defined). */
export function cellIntervals(cells: ReportCell[], metric: MetricName): Map<string, BootstrapResult> {
  const out = new Map<string, BootstrapResult>();
  for (const c of cells) {
    const p = c.testPredictions;
    if (c.status !== 'done' || !p) continue;
    try {
      out.set(c.id, bootstrapCI(p.labels, p.probabilities, p.numClasses, metric, CELL_BOOTSTRAP));
    } catch (e) {
      // Undefined on every resample (AUC with one class in the test split): the cell simply has no interval.
      if (!(e instanceof InputError)) throw e;
    }
  }
  return out;
}
