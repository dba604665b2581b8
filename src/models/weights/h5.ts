/**
 * Reads Keras HDF5 weight files as keras.applications distributes them (`model.save_weights` / `..._notop.h5`):
 * a root attribute `layer_names`, one group per layer with a `weight_names` attribute, and one dataset per weight
 * at `<layer>/<weight name>` (e.g. `conv1_conv/conv1_conv/kernel:0`). Full-model files (`model.save`) keep the same
 * layout under `model_weights/`. Large attributes split by Keras into `layer_names0`, `layer_names1`, … are joined.
 */
import * as tf from '@tensorflow/tfjs-core';
import h5wasm from 'h5wasm/node';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import type { SourceLayer, SourceWeights } from './source.ts';

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

export function isH5Path(p: string): boolean {
  return /\.(h5|hdf5|keras)$/i.test(p);
}

function toStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flat(Infinity).map((s) => String(s));
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 0) return [];
  if (v instanceof Uint8Array) return [new TextDecoder().decode(v)];
  return [];
}

function clean(s: string): string {
  return s.replace(/[\0 ]+$/, '');
}

/** Keras' `load_attributes_from_hdf5_group`: `name`, or `name0`, `name1`, … when it was split. */
function stringListAttr(g: H5Group, name: string): string[] | undefined {
  const attrs = g.attrs as Record<string, { value: unknown }>;
  if (name in attrs) return toStrings(attrs[name].value).map(clean);
  if (`${name}0` in attrs) {
    const out: string[] = [];
    for (let i = 0; `${name}${i}` in attrs; i++) out.push(...toStrings(attrs[`${name}${i}`].value).map(clean));
    return out;
  }
  return undefined;
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5's superblock signature sits at offset 0, 512, 1024, 2048, … (after an optional user block). */
export function hasHdf5Signature(file: string): boolean {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      if (readSync(fd, buf, 0, 8, off) === 8 && buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

export async function readKerasH5(file: string): Promise<SourceWeights> {
  if (!existsSync(file)) throw new InputError(`${file}: no such weights file`);
  if (!hasHdf5Signature(file)) throw new InputError(`${file}: not an HDF5 file (no HDF5 signature); pass a Keras .h5 weights file`);
  await h5wasm.ready;
  const f = new h5wasm.File(path.resolve(file), 'r');
  if (f.file_id < 0n) throw new InputError(`${file}: HDF5 could not open it; the file is damaged`);
  const layers = new Map<string, SourceLayer>();
  try {
    let root: H5Group = f;
    if (stringListAttr(root, 'layer_names') == null) {
      const mw = f.keys().includes('model_weights') ? f.get('model_weights') : null;
      if (mw instanceof h5wasm.Group) root = mw;
    }
    const layerNames = stringListAttr(root, 'layer_names');
    if (layerNames == null) {
      const hint = f.keys().includes('layers') || f.keys().includes('vars')
        ? ' (this looks like a Keras 3 `.weights.h5`; save with the legacy h5 format, or convert to TF.js)'
        : '';
      throw new InputError(`${file}: no 'layer_names' attribute, so this is not a Keras HDF5 weights file${hint}`);
    }
    for (const layer of layerNames) {
      const g = root.keys().includes(layer) ? root.get(layer) : null;
      if (!(g instanceof h5wasm.Group)) {
        throw new InputError(`${file}: layer '${layer}' is listed in layer_names but has no group; the file is damaged or not a Keras weights file`);
      }
      const weightNames = stringListAttr(g, 'weight_names') ?? [];
      if (weightNames.length === 0) continue;
      const entry: SourceLayer = { name: layer, weightNames: [], tensors: [] };
      layers.set(layer, entry);
      for (const wn of weightNames) {
        const ds = g.get(wn);
        if (!(ds instanceof h5wasm.Dataset)) {
          throw new InputError(`${file}: weight '${wn}' of layer '${layer}' is listed in weight_names but has no dataset`);
        }
        entry.weightNames.push(shortName(wn));
        entry.tensors.push(datasetTensor(ds as H5Dataset, file, wn));
      }
    }
  } catch (e) {
    for (const l of layers.values()) for (const t of l.tensors) t.dispose();
    throw e;
  } finally {
    f.close();
  }
  return { file, format: 'keras-h5', layers };
}

/** `conv1_conv/kernel:0` → `kernel`; old Keras names like `block1_conv1_W_1:0` stay as they are (less `:0`). */
function shortName(weightName: string): string {
  const n = weightName.replace(/:\d+$/, '');
  return n.slice(n.lastIndexOf('/') + 1);
}

function datasetTensor(ds: H5Dataset, file: string, name: string): tf.Tensor {
  const shape = ds.shape ?? [];
  const v = ds.value;
  if (v instanceof Float32Array) return tf.tensor(v, shape, 'float32');
  if (v instanceof Float64Array) return tf.tensor(Float32Array.from(v), shape, 'float32');
  throw new InputError(`${file}: weight '${name}' has dtype ${ds.dtype}, not float32/float64; re-save the weights as float32`);
}
