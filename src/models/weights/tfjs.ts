/**
 * Reads TF.js weights: a layers-model folder (model.json + shards) or a weights-only manifest (`modelTopology`
 * null). Only the weights manifest is used; the topology, if any, is ignored because medft builds its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { addToLayer, type SourceLayer, type SourceWeights } from './source.ts';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function entryBytes(e: ManifestEntry): number {
  const dtype = e.quantization?.dtype ?? e.dtype;
  const b = BYTES[dtype];
  if (b == null) throw new Error(`unsupported dtype ${dtype}`);
  return e.shape.reduce((a, d) => a * d, 1) * b;
}

export function modelJsonPath(p: string): string {
  return existsSync(p) && statSync(p).isDirectory() ? path.join(p, 'model.json') : p;
}

export function isTfjsSource(p: string): boolean {
  const j = modelJsonPath(p);
  return j.endsWith('.json') && existsSync(j);
}

export function readTfjsWeights(p: string): SourceWeights {
  const jsonPath = modelJsonPath(p);
  const dir = path.dirname(jsonPath);
  let json: { modelTopology?: unknown; weightsManifest?: ManifestGroup[] };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new InputError(`${jsonPath}: not a readable TF.js model.json (${(e as Error).message}); point at the folder holding model.json and its weight shards`);
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new InputError(`${jsonPath}: has no weightsManifest, so it is not a TF.js layers model or weights manifest; export the weights with tensorflowjs_converter`);
  }
  const format = json.modelTopology == null ? 'tfjs-weights-manifest' : 'tfjs-layers';
  const layers = new Map<string, SourceLayer>();
  try {
    for (const group of manifest) {
      const buffers: Buffer[] = [];
      for (const shard of group.paths) {
        const f = path.join(dir, shard);
        if (!existsSync(f)) {
          throw new InputError(`${jsonPath}: weight shard '${shard}' is missing (expected at ${f}); copy all shard files next to model.json`);
        }
        buffers.push(readFileSync(f));
      }
      const data = Buffer.concat(buffers);
      let expected = 0;
      for (const e of group.weights) {
        try {
          expected += entryBytes(e);
        } catch (err) {
          throw new InputError(`${jsonPath}: tensor '${e.name}' has ${(err as Error).message}; re-export it as float32`);
        }
      }
      if (data.byteLength !== expected) {
        throw new InputError(`${jsonPath}: shards ${group.paths.join(', ')} hold ${data.byteLength} bytes but the manifest describes ${expected} (${group.weights.length} tensors); the files are truncated or belong to another export`);
      }
      const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      const named = tf.io.decodeWeights(ab, group.weights as tf.io.WeightsManifestEntry[]);
      for (const e of group.weights) {
        const t = named[e.name];
        const { layer, weight } = splitTfjsName(e.name);
        addToLayer(layers, layer, weight, t.dtype === 'float32' ? t : castAndDispose(t));
      }
    }
  } catch (e) {
    for (const l of layers.values()) for (const t of l.tensors) t.dispose();
    throw e;
  }
  return { file: jsonPath, format, layers };
}

function castAndDispose(t: tf.Tensor): tf.Tensor {
  const c = tf.cast(t, 'float32');
  t.dispose();
  return c;
}

function splitTfjsName(name: string): { layer: string; weight: string } {
  const i = name.lastIndexOf('/');
  return i < 0 ? { layer: name, weight: name } : { layer: name.slice(0, i), weight: name.slice(i + 1) };
}
