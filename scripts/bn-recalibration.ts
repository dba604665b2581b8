/**
 * How many training images BatchNorm recalibration needs: takes a model folder written by `medft finetune` (train it
 * with `--bn-recalibration off` to see the moving averages' effect too), recalibrates every BatchNorm layer over
 * samples of several sizes and seeds, and prints validation and test metrics and the time per recalibration.
 *
 *   node --import tsx scripts/bn-recalibration.ts runs/ft-model breastmnist [sizes, default 32,64,128,256,100000]
 */
import { engineFromEnv, pathsFromEnv } from '../src/settings.ts';
import * as tf from '@tensorflow/tfjs-core';
import { makeSplits, openDataset } from '../src/data/index.ts';
import { initEngine } from '../src/engine/index.ts';
import { evaluateClassification } from '../src/eval/index.ts';
import { recalibrateBatchNorm, recalibrationSample } from '../src/train/batch-norm-stats.ts';
import { predictDataset } from '../src/train/predict.ts';
import { loadFinetuned } from '../src/train/saved-model.ts';
import { isBatchNorm } from '../src/train/variables.ts';

const [dir, data, sizesArg] = process.argv.slice(2);
if (!dir || !data) {
  console.error('usage: node --import tsx scripts/bn-recalibration.ts <model dir> <dataset> [sizes, e.g. 64,256]');
  process.exit(2);
}
const sizes = (sizesArg ?? '32,64,128,256,100000').split(',').map(Number);
await initEngine(engineFromEnv());
const { model, meta } = await loadFinetuned(dir);
const ds = await openDataset(data, { paths: pathsFromEnv() });
const splits = makeSplits(ds, { seed: meta.data.seed, ratios: meta.data.ratios });
const layers = model.layers.filter(isBatchNorm);
const stored = layers.map((l) => l.getWeights().map((w) => w.clone()));
const k = meta.classNames.length;

const evaluate = async () => {
  const out: string[] = [];
  for (const split of ['val', 'test'] as const) {
    const p = await predictDataset(model, ds, splits[split], meta.preprocess, 64);
    const r = evaluateClassification(p.labels, p.probabilities, k);
    out.push(`${split} acc ${r.accuracy.toFixed(3)} auc ${r.macroAuc?.toFixed(3) ?? '–'} nll ${r.nll.toFixed(3)}`);
  }
  return out.join(' · ');
};

console.log(`${dir}: ${layers.length} BatchNorm layers; train ${splits.train.length}, val ${splits.val.length}, test ${splits.test.length}`);
console.log(`as saved: ${await evaluate()}`);
for (const size of sizes) {
  for (const seed of [0, 1, 2]) {
    layers.forEach((l, i) => l.setWeights(stored[i]));
    const sample = recalibrationSample(splits.train, size, seed);
    const r = await recalibrateBatchNorm(model, layers.map((l) => l.name), ds, sample, meta.preprocess, 64);
    console.log(`recalibrated on ${sample.length} images (seed ${seed}, ${r.seconds.toFixed(2)} s): ${await evaluate()}`);
    if (sample.length === splits.train.length) break; // the whole split: every seed gives the same sample
  }
}
tf.dispose(stored.flat());
model.dispose();
await ds.close();
