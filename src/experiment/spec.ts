/**
 * The experiment file (YAML): datasets × models × strategies × seeds with shared and per-strategy hyper-parameters.
 * One zod schema with one default per field; every error names the file and the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { trainConfigSchema } from '../train/config.ts';

/** Per-split caps on the number of images (a stratified, deterministic subset, for quick runs). */
export const subsetSchema = z.object({
  train: z.number().int().positive().optional(),
  val: z.number().int().positive().optional(),
  test: z.number().int().positive().optional(),
}).strict();

const datasetSchema = z.union([
  z.string().min(1),
  z.object({
    /** Label used in tables (default: `data`). */
    name: z.string().min(1).optional(),
    /** What `medft finetune --data` takes: a MedMNIST name found in MEDFT_DATA_DIR, an .npz, a folder, a CSV. */
    data: z.string().min(1),
    subset: subsetSchema.optional(),
  }).strict(),
]);

const modelSchema = z.union([
  z.string().min(1),
  z.object({
    name: z.string().min(1),
    /** 'imagenet', 'none', or a path to weights (default: the experiment's `weights`). */
    weights: z.string().min(1).optional(),
    inputSize: z.number().int().positive().optional(),
    dropout: z.number().min(0).max(1).optional(),
  }).strict(),
]);

/**
 * Candidate base LRs, one cell each; validation alone picks one (fair tuning). 'auto': each strategy's own grid
 * (`medft strategies` lists them).
 */
const lrGridSchema = z.union([
  z.literal('auto'),
  z.array(z.number().positive('every LR must be > 0')).min(1, 'an empty grid: give at least one LR')
    .superRefine((grid, ctx) => {
      const dup = grid.find((lr, i) => grid.indexOf(lr) !== i);
      if (dup != null) ctx.addIssue({ code: 'custom', message: `LR ${dup} appears twice; each candidate once` });
    }),
]);

const strategySchema = z.union([
  z.string().min(1),
  z.object({
    id: z.string().min(1),
    /** Strategy hyper-parameters (see `medft strategies`), checked against the strategy's own schema. */
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Base LR for this strategy (default: the experiment's `lr`, or its `lrGrid`). */
    lr: z.number().positive().optional(),
    /** LR candidates for this strategy (overrides the experiment's `lr` and `lrGrid`). */
    lrGrid: lrGridSchema.optional(),
  }).strict().refine((s) => s.lr == null || s.lrGrid == null, { message: 'give either lr or lrGrid, not both', path: ['lrGrid'] }),
]);

const trainSchema = trainConfigSchema.omit({ seed: true });

/** How the candidates of each LR grid are searched (docs/experiments.md "LR selection"). */
export const lrSearchSchema = z.object({
  /**
   * 'halving' (default): successive halving — every candidate trains to the first rung, the best 1/eta on validation
   * continue, … until one trains all epochs (about 2× the cost of one LR for 4 candidates). 'grid': every candidate
   * trains all epochs (n× the cost) and the report keeps the best.
   */
  method: z.enum(['halving', 'grid']).default('halving'),
  /** At each rung the best ⌊candidates ÷ eta⌋ (at least one) continue. */
  eta: z.number().int().min(2).default(2),
  /** Epochs of the first rung; the next rungs are eta times longer (default: epochs ÷ eta^rungs, at least 1). */
  minEpochs: z.number().int().positive().optional(),
}).strict();

export type LrSearch = z.output<typeof lrSearchSchema>;

export const experimentSchema = z.object({
  name: z.string().min(1).regex(/^[\w.-]+$/, 'letters, digits, _, . and - only'),
  description: z.string().optional(),
  datasets: z.array(datasetSchema).min(1),
  models: z.array(modelSchema).min(1),
  strategies: z.array(strategySchema).min(1),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
  epochs: z.number().int().positive().default(10),
  lr: z.number().positive().default(1e-4),
  /** LR candidates for every strategy without its own `lr` or `lrGrid` (replaces `lr`). */
  lrGrid: lrGridSchema.optional(),
  /** How LR grids are searched: successive halving (default) or every candidate for all epochs. */
  lrSearch: lrSearchSchema.default(lrSearchSchema.parse({})),
  /** Input size in pixels for every model (default: each model's own). */
  inputSize: z.number().int().positive().optional(),
  /** 'imagenet' (default), 'none', or a path to weights. */
  weights: z.string().min(1).default('imagenet'),
  dropout: z.number().min(0).max(1).default(0),
  /** Shared loop options (everything `medft finetune` takes but the seed). */
  train: trainSchema.default(trainSchema.parse({})),
  /** Subset applied to every dataset given as a string (a dataset object may set its own). */
  subset: subsetSchema.optional(),
  /** The strategy every other one is compared to in the report. */
  baseline: z.string().default('ft'),
  /** Metric of the comparison tables. */
  metric: z.enum(['accuracy', 'balancedAccuracy', 'macroF1', 'macroAuc']).default('accuracy'),
  /** Skip image files that cannot be used instead of failing the cell; they are listed with each cell's results. */
  skipBad: z.boolean().default(false),
  /** Keep each cell's saved model (model.json + weights.bin); off by default to save disk. */
  keepModels: z.boolean().default(false),
}).strict().refine((s) => s.lrSearch.method !== 'halving' || s.lrSearch.minEpochs == null || s.lrSearch.minEpochs < s.epochs, {
  message: 'the first rung must end before the last epoch: give minEpochs < epochs, or method: grid', path: ['lrSearch', 'minEpochs'],
});

export type ExperimentSpec = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

function issuePath(path: PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '') || '(top level)';
}

/** Validates an already-parsed document; `source` names the file in messages. */
export function parseExperiment(doc: unknown, source: string): ExperimentSpec {
  // Checked on the document: the parsed `lr` always has a value (its default).
  const d = doc as { lr?: unknown; lrGrid?: unknown } | null;
  if (d && typeof d === 'object' && d.lr !== undefined && d.lrGrid !== undefined) throw new InputError(`${source}: lrGrid: give either lr or lrGrid, not both`);
  const r = experimentSchema.safeParse(doc);
  if (!r.success) {
    const first = r.error.issues.slice(0, 5).map((i) => `${issuePath(i.path)}: ${i.message}`).join('; ');
    throw new InputError(`${source}: ${first}`);
  }
  return r.data;
}

export function loadExperiment(file: string): ExperimentSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the experiment file (does it exist?)`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${file}: expected a YAML mapping with name, datasets, models, strategies`);
  return parseExperiment(doc, file);
}
