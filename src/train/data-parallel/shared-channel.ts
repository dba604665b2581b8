/**
 * What data-parallel replicas (one engine per worker thread, one process) share: a barrier, small float64
 * all-reduces (BatchNorm's channel sums) and two float32 areas (weights out from rank 0, gradients back to it),
 * all in SharedArrayBuffers. Blocking waits use Atomics.wait, which Node allows on the main thread too.
 *
 * A rank that fails calls abort(): every rank waiting in the channel then throws instead of waiting forever.
 */
import { ResourceError } from '../../errors.ts';

/** Control words: [arrived, generation, aborted]. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
/** Small all-reduces alternate between two slot sets, so one barrier per reduce is enough. */
const SLOT_SETS = 2;

export interface SharedChannelBuffers {
  ranks: number;
  control: SharedArrayBuffer;
  /** float64 slots for small reduces: SLOT_SETS × ranks × smallCapacity. */
  small: SharedArrayBuffer;
  smallCapacity: number;
  /** float32, rank 0 → others: the model's weights. */
  weights: SharedArrayBuffer;
  /** float32, one area per rank > 0: its gradients (and its loss as the last value). */
  grads: SharedArrayBuffer;
  gradCapacity: number;
}

export function createChannelBuffers(ranks: number, weightFloats: number, gradFloats: number, smallCapacity: number): SharedChannelBuffers {
  return {
    ranks,
    control: new SharedArrayBuffer(4 * 3),
    small: new SharedArrayBuffer(8 * SLOT_SETS * ranks * smallCapacity),
    smallCapacity,
    weights: new SharedArrayBuffer(4 * weightFloats),
    grads: new SharedArrayBuffer(4 * Math.max(1, ranks - 1) * (gradFloats + 1)),
    gradCapacity: gradFloats + 1,
  };
}

export class ReplicaAborted extends ResourceError {}

export class SharedChannel {
  readonly weights: Float32Array;
  private readonly control: Int32Array;
  private readonly small: Float64Array;
  private round = 0;
  /** Milliseconds this rank has spent blocked at barriers (waiting for slower ranks). */
  waitedMs = 0;

  constructor(readonly buffers: SharedChannelBuffers, readonly rank: number) {
    this.control = new Int32Array(buffers.control);
    this.small = new Float64Array(buffers.small);
    this.weights = new Float32Array(buffers.weights);
  }

  get ranks(): number {
    return this.buffers.ranks;
  }

  /** The gradient area of rank r (r ≥ 1). */
  gradArea(r: number): Float32Array {
    const n = this.buffers.gradCapacity;
    return new Float32Array(this.buffers.grads, 4 * (r - 1) * n, n);
  }

  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) === 1;
  }

  /** Waits until every rank has arrived (sense-reversing barrier on a generation counter). */
  barrier(): void {
    const c = this.control;
    if (this.aborted) throw new ReplicaAborted('a data-parallel replica failed (see its error above)');
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.ranks - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const t0 = performance.now();
    while (Atomics.load(c, GENERATION) === generation) Atomics.wait(c, GENERATION, generation, 1000);
    this.waitedMs += performance.now() - t0;
    if (this.aborted) throw new ReplicaAborted('a data-parallel replica failed (see its error above)');
  }

  /**
   * Sums `parts` (each ≤ smallCapacity values in all) over the ranks, in place, adding in rank order so that every
   * rank gets the same bits.
   */
  allReduceSmall(parts: Float64Array[]): void {
    const cap = this.buffers.smallCapacity;
    const total = parts.reduce((a, p) => a + p.length, 0);
    if (total > cap) throw new Error(`all-reduce of ${total} values exceeds the channel's ${cap}`);
    const set = this.round++ % SLOT_SETS;
    const slot = (r: number) => (set * this.ranks + r) * cap;
    let o = slot(this.rank);
    for (const p of parts) { this.small.set(p, o); o += p.length; }
    this.barrier();
    let at = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) {
        let s = 0;
        for (let r = 0; r < this.ranks; r++) s += this.small[slot(r) + at + i];
        p[i] = s;
      }
      at += p.length;
    }
  }
}
