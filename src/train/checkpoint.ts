/**
 * A checkpoint at each epoch end: every model weight (BN statistics included), the optimizer's moments, step counts
 * and multipliers, w⁰ of the SP penalties, the best weights so far, and the loop's own state (next epoch, history,
 * early-stopping counters). Data order and augmentation are pure functions of (seed, epoch), so the epoch number is
 * the whole random state. Written to a fresh folder and swapped in by rename, so a kill mid-write leaves the previous
 * checkpoint intact.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { readArrays, writeArrays } from './arrays-file.ts';
import type { OptimizerState } from './optimizer.ts';

export interface LoopState<H> {
  /** JSON of what must match to resume (plan, config, model, data split). */
  identity: string;
  nextEpoch: number;
  history: H[];
  best: { epoch: number; value: number } | null;
  badEpochs: number;
  endedPhases: number[];
}

export interface Checkpoint<H> {
  loop: LoopState<H>;
  weights: Map<string, Float32Array>;
  optimizer: OptimizerState;
  w0: Map<string, Float32Array> | null;
  bestWeights: Map<string, Float32Array> | null;
}

const CURRENT = 'checkpoint';

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, CURRENT, 'state.json'));
}

export function saveCheckpoint<H>(dir: string, c: Checkpoint<H>): void {
  const next = join(dir, `${CURRENT}.next`);
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  const moments = new Map<string, Float32Array>();
  const slots: Record<string, { t: number; v: boolean }> = {};
  for (const [name, s] of Object.entries(c.optimizer.slots)) {
    moments.set(`m:${name}`, s.m);
    if (s.v) moments.set(`v:${name}`, s.v);
    slots[name] = { t: s.t, v: !!s.v };
  }
  writeArrays(join(next, 'weights.bin'), c.weights);
  writeArrays(join(next, 'optimizer.bin'), moments);
  if (c.w0) writeArrays(join(next, 'w0.bin'), c.w0);
  if (c.bestWeights) writeArrays(join(next, 'best.bin'), c.bestWeights);
  const state = { version: 1, loop: c.loop, optimizer: { kind: c.optimizer.kind, slots, multipliers: c.optimizer.multipliers } };
  writeFileSync(join(next, 'state.json'), JSON.stringify(state));
  const current = join(dir, CURRENT);
  const old = join(dir, `${CURRENT}.old`);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(current)) renameSync(current, old);
  renameSync(next, current);
  rmSync(old, { recursive: true, force: true });
}

export function loadCheckpoint<H>(dir: string): Checkpoint<H> {
  const d = join(dir, CURRENT);
  let state: { version: number; loop: LoopState<H>; optimizer: { kind: OptimizerState['kind']; slots: Record<string, { t: number; v: boolean }>; multipliers: Record<string, number> } };
  try {
    state = JSON.parse(readFileSync(join(d, 'state.json'), 'utf8'));
  } catch (e) {
    throw new InputError(`${d}: unreadable checkpoint (${(e as Error).message}); delete it to start over`);
  }
  if (state.version !== 1) throw new InputError(`${d}: checkpoint version ${state.version} is not supported; delete it to start over`);
  const moments = readArrays(join(d, 'optimizer.bin'));
  const slots: OptimizerState['slots'] = {};
  for (const [name, s] of Object.entries(state.optimizer.slots)) {
    slots[name] = { m: moments.get(`m:${name}`)!, v: s.v ? moments.get(`v:${name}`) : undefined, t: s.t };
  }
  const maybe = (f: string) => (existsSync(join(d, f)) ? readArrays(join(d, f)) : null);
  return {
    loop: state.loop,
    weights: readArrays(join(d, 'weights.bin')),
    optimizer: { kind: state.optimizer.kind, slots, multipliers: state.optimizer.multipliers },
    w0: maybe('w0.bin'),
    bestWeights: maybe('best.bin'),
  };
}
