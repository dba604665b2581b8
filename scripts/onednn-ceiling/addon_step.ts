/**
 * in_step.cc's sequence through medft's addon itself, on tensors in the wasm heap: every conv's forward in order,
 * then backward-data and backward-weights from the last conv back, each weight tensor new (so reordered) every pass,
 * caches swept between steps. Tells how much the addon adds to what oneDNN needs when driven the same way.
 * Usage: node --import tsx scripts/onednn-ceiling/addon_step.ts SHAPES [BATCH=16]   (SHAPES from conv_shapes.ts)
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, type WasmBackend } from '../../src/engine/index.ts';
import { engineFromEnv } from '../../src/settings.ts';
import { byteOffset, heap } from '../../src/engine/kernels/native-conv.ts';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';

const [path, batchArg] = process.argv.slice(2);
if (!path) { console.error('usage: addon_step.ts SHAPES [BATCH]'); process.exit(2); }
const n = Number(batchArg ?? 16);
await initEngine({ ...engineFromEnv(), backend: 'wasm' });
const { addon, reason } = tryLoadOneDnn();
if (!addon) { console.error(`addon_step: ${reason}`); process.exit(1); }
const backend = tf.backend() as unknown as WasmBackend;
const at = (t: tf.Tensor) => byteOffset(backend, t);
const convs = readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('conv ')).map((l) => {
  const [ic, oc, ih, iw, kh, kw, sh, sw, pt, pl, pb, pr, first] = l.split(' ').slice(1).map(Number);
  const oh = Math.floor((ih + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((iw + pl + pr - kw) / sw) + 1;
  return {
    geom: [n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, 1, 1, pt, pl, pb, pr], first: first === 1,
    x: tf.zeros([n, ih, iw, ic]), y: tf.zeros([n, oh, ow, oc]), dy: tf.zeros([n, oh, ow, oc]), dx: tf.zeros([n, ih, iw, ic]),
    w: tf.zeros([kh, kw, ic, oc]), dw: tf.zeros([kh, kw, ic, oc]),
  };
});
const sweep = new Uint8Array(512 << 20);
let key = 1; // a new key per pass: the addon treats the weights as a new tensor and reorders them
const steps: number[] = [];
for (let i = 0; i < 6; i++) {
  for (let j = 0; j < sweep.length; j += 64) sweep[j]++;
  const h = heap(backend);
  const t0 = performance.now();
  for (const c of convs) addon.convForward(h, at(c.x), at(c.w), -1, at(c.y), c.geom, 0, key++);
  for (const c of [...convs].reverse()) {
    if (!c.first) addon.convBackwardData(h, at(c.dy), at(c.w), at(c.dx), c.geom, key++);
    addon.convBackwardWeights(h, at(c.x), at(c.dy), at(c.dw), c.geom);
  }
  if (i > 0) steps.push(performance.now() - t0);
}
steps.sort((a, b) => a - b);
console.log(`ADDONSTEP convs=${convs.length} step_convs_ms=${steps[2].toFixed(1)} (${steps.map((t) => t.toFixed(0)).join(' ')})`);
