/**
 * A fine-tuned model on disk: a TF.js layers folder (model.json + weights.bin, written by our own IO handler since
 * `file://` saving needs tfjs-node) plus medft.json, which carries what is needed to use it — the model name and
 * options to rebuild it, the preprocessing, the class names — and the record of how it was made.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BadFile, PreprocessSpec, SplitRecord, Task } from '../data/index.ts';
import type { EngineInfo } from '../engine/index.ts';
import { InputError } from '../errors.ts';
import { createModel, type CreatedModel } from '../models/index.ts';
import type { TrainPlan } from './plan.ts';
import type { RunSpec } from './run-spec.ts';
import { MEDFT_VERSION } from '../version.ts';


export interface FinetunedMeta {
  format: 'medft-finetuned';
  version: 1;
  medftVersion: string;
  createdAt: string;
  model: { name: string; inputSize: number; numClasses: number; dropout: number; alpha?: number; pretrained: string | null };
  preprocess: PreprocessSpec;
  classNames: string[];
  task: Task;
  strategy: TrainPlan;
  /** The run as it ran (absent in models saved before medft recorded it; those have `run: { epochs, lr, config }`). */
  spec?: RunSpec;
  /** The engine it trained on; replicas: data-parallel engines (absent: 1). */
  engine: EngineInfo & { replicas?: number };
  /** skipBad/skipped: present when the run was asked to skip bad files (`--skip-bad`), with the files it skipped. */
  data: Omit<SplitRecord, 'splits'> & { splits: Record<string, { size: number; classCounts: number[]; sha256: string }>; skipBad?: true; skipped?: BadFile[] };
}

/** Writes model.json + weights.bin + medft.json into `dir`. */
export async function saveFinetuned(dir: string, model: tfl.LayersModel, meta: Omit<FinetunedMeta, 'format' | 'version' | 'medftVersion' | 'createdAt'>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data));
    const json = {
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: `medft ${MEDFT_VERSION}`,
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  const full: FinetunedMeta = { format: 'medft-finetuned', version: 1, medftVersion: MEDFT_VERSION, createdAt: new Date().toISOString(), ...meta };
  writeFileSync(join(dir, 'medft.json'), `${JSON.stringify(full, null, 2)}\n`);
}

export function readFinetunedMeta(dir: string): FinetunedMeta {
  const p = join(dir, 'medft.json');
  if (!existsSync(p)) throw new InputError(`${dir}: no medft.json here; point --model at a folder written by 'medft finetune --out'`);
  let meta: FinetunedMeta;
  try {
    meta = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new InputError(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== 'medft-finetuned' || meta.version !== 1) throw new InputError(`${p}: not a medft fine-tuned model record (format ${meta.format}, version ${meta.version})`);
  return meta;
}

const indexNames = (names: readonly string[]) => names.every((n, i) => n === String(i));

/**
 * Throws an InputError unless `dataClasses` are the model's classes in the model's order: the same count and, where
 * both sides name their classes, the same names. Otherwise every metric would be reported under the wrong class.
 * Classes known only by index ('0', '1', … from an unnamed .npz or a CSV of integer labels) match by count.
 */
export function checkSameClasses(meta: Pick<FinetunedMeta, 'classNames'>, data: string, dataClasses: readonly string[]): void {
  const model = meta.classNames;
  const list = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');
  if (dataClasses.length !== model.length) {
    throw new InputError(`${data} has ${dataClasses.length} classes (${list(dataClasses)}) but the model was trained on ${model.length} (${list(model)}); ` +
      'evaluate on a dataset with the model\'s classes');
  }
  if (indexNames(model) || indexNames(dataClasses)) return;
  const differ = model.flatMap((m, i) => (m === dataClasses[i] ? [] : [`class ${i} is '${m}' in the model but '${dataClasses[i]}' in the data`]));
  if (differ.length === 0) return;
  const sameSet = [...model].sort().join('\n') === [...dataClasses].sort().join('\n');
  throw new InputError(`${data}: class names differ from the model's (${differ.join('; ')}); ` +
    (sameSet ? 'the same classes in another order: name the classes so they sort in the model\'s order (class folders sort by name)'
      : `use a dataset whose classes are the model's (${list(model)}), in that order`));
}

/** Rebuilds the model from medft.json and loads its weights by name (every tensor must match). */
export async function loadFinetuned(dir: string): Promise<CreatedModel & { meta: FinetunedMeta }> {
  const meta = readFinetunedMeta(dir);
  const m = meta.model;
  const created = await createModel(m.name, { numClasses: m.numClasses, inputSize: m.inputSize, dropout: m.dropout, alpha: m.alpha, weights: dir });
  if (created.loadReport && created.loadReport.missing.length > 0) {
    created.model.dispose();
    throw new InputError(`${dir}: weights.bin lacks ${created.loadReport.missing.length} tensors of the model (${created.loadReport.missing.slice(0, 4).join(', ')}…); the folder is incomplete`);
  }
  return { model: created.model, spec: created.spec, meta };
}
