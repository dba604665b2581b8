import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
// The strategy ids and monitors are listed in --help; the engine, models and loop load when the command runs.
import { parseParamPairs, strategyIds } from '../../strategies/index.ts';
import { DEFAULT_BN_RECALIBRATION, MONITORS, type TrainConfigInput } from '../../train/config.ts';
import type { EpochRecord } from '../../train/loop.ts';
import type { RunSpec } from '../../train/run-spec.ts';
import { checkFinetuneOut, finetuneOutUseful } from '../../train/finetune-out.ts';
import { inOutDir } from '../out-option.ts';
import { backendOption, engineOption, imagesOrOff, nonNegative, positiveInt, unitInterval } from '../options.ts';
import { printReport } from './evaluate.ts';
import { summary } from './table.ts';

interface FinetuneCliOptions {
  positiveClass?: string;
  data: string;
  model: string;
  strategy: string;
  out: string;
  epochs: string;
  lr: string;
  batch: string;
  size?: string;
  seed: string;
  weights?: string;
  param: string[];
  optimizer: 'adam' | 'adamw' | 'sgd';
  weightDecay: string;
  schedule: 'constant' | 'step' | 'cosine';
  warmup: string;
  clipNorm: string;
  classWeighted?: boolean;
  bnMomentum: string;
  bnRecalibration: string;
  augment: boolean;
  featureCache: boolean;
  monitor: (typeof MONITORS)[number];
  patience: string;
  dropout: string;
  resume?: boolean;
  force?: boolean;
  skipBad?: boolean;
  download?: boolean;
  keepCheckpoint?: boolean;
  stopAfter?: string;
  progress: boolean;
  replicas?: string;
  json?: boolean;
  backend?: string;
  engine?: string;
}

/** A cli-progress bar on stderr while a long epoch runs (only on a terminal). */
async function batchBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_e: number, _b: number, _t: number, _l: number) => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'epoch {epoch} [{bar}] {value}/{total} batches · loss {loss} · {eta_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let epoch = -1;
  return {
    update(e: number, b: number, total: number, loss: number) {
      if (e !== epoch) { if (epoch >= 0) bar.stop(); bar.start(total, 0, { epoch: e, loss: '–' }); epoch = e; }
      bar.update(b, { loss: loss.toFixed(4) });
    },
    stop() { if (epoch >= 0) bar.stop(); epoch = -1; },
  };
}

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description(summary('finetune'))
    .requiredOption('--data <path|name>', 'dataset: an .npz, image folder, CSV manifest, or a MedMNIST name found in MEDFT_DATA_DIR')
    .requiredOption('--model <name>', "backbone (see 'medft models')")
    .requiredOption('--strategy <id>', `fine-tuning strategy: ${strategyIds().join(', ')} (see 'medft strategies')`)
    .requiredOption('--out <dir>', 'output folder: model.json + weights.bin, medft.json, metrics.json, curves.csv, learning-curves.svg, roc-pr.svg (two classes)')
    .option('--epochs <n>', 'epochs in total (all phases)', '10')
    .option('--lr <x>', 'base learning rate (strategies scale it per phase/block)', '1e-4')
    .option('--batch <n>', 'batch size', '16')
    .option('--size <px>', "input size in pixels (default: the model's)")
    .option('--seed <n>', 'seed of the split, data order, augmentation and head initialisation', '0')
    .option('--download', 'download a MedMNIST dataset named by --data when it is not found locally (md5-checked, into the cache)')
    .option('--skip-bad', 'skip image files that cannot be used (corrupt, missing, not an image): every image is decoded once before the split; the skipped ones are listed and recorded in medft.json')
    .option('--weights <src>', "'imagenet', 'none', or a path to weights (default: imagenet where the model has them)")
    .option('--param <key=value>', "a strategy hyper-parameter (repeatable), e.g. --param alpha=0.01", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(['adam', 'adamw', 'sgd']).default('adam'))
    .option('--weight-decay <x>', "AdamW's decoupled weight decay", '0.01')
    .addOption(new Option('--schedule <kind>', 'LR shape within each phase').choices(['constant', 'step', 'cosine']).default('cosine'))
    .option('--warmup <epochs>', 'linear warm-up at the start of each phase, in epochs', '0')
    .option('--clip-norm <x>', 'clip the global gradient norm (0: off)', '0')
    .option('--class-weighted', 'weight the loss by balanced class weights of the training split')
    .option('--bn-momentum <m>', "BatchNorm moving-average momentum, Keras' convention (0.9 = PyTorch's 0.1)", '0.9')
    .option('--bn-recalibration <images|off>', 'before every evaluation and before saving, recompute the statistics of the BatchNorm layers that train over this many training images (off: keep the moving averages)', String(DEFAULT_BN_RECALIBRATION))
    .option('--no-augment', 'no random augmentation (flips, small rotations, crops, brightness/contrast)')
    .option('--no-feature-cache', 'run the frozen prefix on every batch instead of caching its outputs (LP, early gu-lf; needs --no-augment to cache)')
    .addOption(new Option('--monitor <metric>', 'validation metric for early stopping and best-epoch restore').choices([...MONITORS]).default('val_loss'))
    .option('--patience <n>', 'epochs without improvement before a phase ends (0: never)', '5')
    .option('--dropout <rate>', 'dropout before the head', '0')
    .option('--resume', 'continue from the checkpoint in <out>/checkpoint')
    .option('--force', 'overwrite a model or an unfinished run already in <out> (without it, such an <out> is refused)')
    .option('--keep-checkpoint', 'keep <out>/checkpoint after the run')
    .option('--stop-after <epochs>', 'stop after this many epochs, leaving a checkpoint to --resume from')
    .option('--replicas <n>', "split each batch over n wasm engines in worker threads of this process, BatchNorm synchronised (auto: every core on pure wasm, 1 with the accelerator, where more engines hold batches too large for one 4 GiB heap; default: auto, or env MEDFT_REPLICAS)")
    .option('--no-progress', 'no progress bar within epochs')
    .option('--positive-class <name|index>', "two classes: the class of roc-pr.svg (default: the dataset's clinically positive class where medft knows it, else the class with fewer test images)")
    .option('--json', 'print the final metrics as JSON on stdout')
    .addOption(backendOption())
    .addOption(engineOption())
    .addHelpText('after', `
Progress goes to stderr: the engine banner, one line per epoch (loss, validation metrics, LR, images/s), and a
progress bar within epochs on a terminal. The test-set metrics are printed on stdout at the end.

Examples:
  medft finetune --data breastmnist --model resnet50 --strategy lp-ft --size 64 --epochs 10 --out runs/bm-r50-lpft
  medft finetune --data labels.csv --model densenet121 --strategy l2-sp --param alpha=0.01 --out runs/x
  medft finetune --data breastmnist --model tiny_cnn --strategy gu-lf --epochs 4 --out runs/tiny --resume`)
    .action(async (opts: FinetuneCliOptions) => {
      const epochs = positiveInt(opts.epochs, '--epochs');
      const lr = Number(opts.lr);
      if (!(lr > 0)) throw new UsageError(`--lr must be a positive number, got '${opts.lr}'`);
      // Each flag checked with its own message; then the spec, resolved and the strategy checked against the model's blocks.
      const train: TrainConfigInput = {
        batchSize: positiveInt(opts.batch, '--batch'),
        seed: Number(nonNegative(opts.seed, '--seed')),
        optimizer: opts.optimizer,
        weightDecay: nonNegative(opts.weightDecay, '--weight-decay'),
        schedule: opts.schedule,
        warmupEpochs: nonNegative(opts.warmup, '--warmup'),
        clipNorm: nonNegative(opts.clipNorm, '--clip-norm'),
        classWeighted: !!opts.classWeighted,
        bnMomentum: unitInterval(opts.bnMomentum, '--bn-momentum'),
        bnRecalibration: imagesOrOff(opts.bnRecalibration, '--bn-recalibration'),
        augment: opts.augment,
        earlyStopping: { monitor: opts.monitor, patience: nonNegative(opts.patience, '--patience'), restoreBest: true },
      };
      const inputSize = opts.size ? positiveInt(opts.size, '--size') : undefined;
      const dropout = nonNegative(opts.dropout, '--dropout');
      const stopAfterEpoch = opts.stopAfter ? positiveInt(opts.stopAfter, '--stop-after') : undefined;
      const params = parseParamPairs(opts.param);
      const { resolveRunSpec } = await import('../../run/index.ts');
      // The engine section is filled in once the engine has started (run below).
      const spec = resolveRunSpec({
        data: opts.data, skipBad: opts.skipBad, model: opts.model, weights: opts.weights, inputSize, dropout,
        strategy: opts.strategy, params, epochs, lr, train, featureCache: opts.featureCache,
      });
      const guard = { keep: finetuneOutUseful, check: (o: FinetuneCliOptions) => checkFinetuneOut(o.out, o) };
      await inOutDir(opts, guard, () => run(opts, spec, stopAfterEpoch));
    });
}

/** Everything after the checks: the engine, the run, what it prints. */
async function run(opts: FinetuneCliOptions, flags: RunSpec, stopAfterEpoch: number | undefined): Promise<void> {
  const { engineBanner, initEngine } = await import('../../engine/index.ts');
  const { runSpec } = await import('../../run/index.ts');
  const { resolveReplicas } = await import('../../train/data-parallel/index.ts');
  const { formatEpochLine } = await import('../../train/progress.ts');
  const { settingsFromEnv, withBackendFlag, withEngineFlag } = await import('../../settings.ts');
  const { resolveStepEngine } = await import('../../engine/whole-step/choice.ts');
  const settings = settingsFromEnv();
  const engine = withEngineFlag(withBackendFlag(settings.engine, opts.backend), opts.engine);
  const info = await initEngine(engine);
  process.stderr.write(`${engineBanner(info)}\n`);
  const replicas = resolveReplicas(opts.replicas ?? engine.replicas, info);
  const spec: RunSpec = { ...flags, engine: { ...engine, replicas, step: resolveStepEngine(engine.step, engine, replicas, opts.engine ? '--engine' : 'MEDFT_ENGINE') } };
  const bar = await batchBar(opts.progress);
  const result = await runSpec(spec, {
    out: opts.out, paths: settings.paths, resume: opts.resume, force: opts.force, keepCheckpoint: opts.keepCheckpoint, stopAfterEpoch, download: opts.download,
    events: {
      onMessage: (line) => process.stderr.write(`${line}\n`),
      onBatch: (b) => bar.update(b.epoch, b.batch, b.batches, b.loss),
      onFeatureCache: (c) => {
        if (c.action === 'built') process.stderr.write(`feature cache: outputs of ${c.prefix.join(' ')} for epoch ${c.epoch}+: ${(c.bytes / 2 ** 20).toFixed(1)} MiB in ${c.seconds.toFixed(1)} s\n`);
        else if (c.action === 'off') process.stderr.write(`feature cache off: ${c.reason}\n`);
      },
      onEpochEnd: (r: EpochRecord) => { bar.stop(); process.stderr.write(`${formatEpochLine(r, spec.epochs)}\n`); },
    },
  });
  bar.stop();
  if (result.training.interrupted) {
    process.stderr.write(`stopped after epoch ${result.training.history.at(-1)?.epoch}; continue with the same command plus --resume\n`);
    return;
  }
  // Chart code lives in report/ (train/ never imports it); it loads only now that the run is done.
  const { writeRunCharts } = await import('../../report/run-charts.ts');
  const charts = await writeRunCharts(opts.out, {
    label: opts.strategy, dataset: opts.data, classNames: result.dataset.classNames, history: result.training.history,
    test: result.predictions?.test ?? null, positiveClass: opts.positiveClass,
  });
  process.stderr.write(`saved ${opts.out}/{${['model.json', 'weights.bin', 'medft.json', 'metrics.json', 'curves.csv', ...charts.files].join(',')}}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(result.metrics, null, 2)}\n`);
  else if (result.metrics?.test) printReport('test', result.metrics.test, result.dataset.classNames);
  else if (result.metrics?.val) printReport('val', result.metrics.val, result.dataset.classNames);
}
