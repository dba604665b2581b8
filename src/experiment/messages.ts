/** What the pool's parent and its worker processes say to each other over the IPC channel. */
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { Cell } from './cells.ts';
import type { CellResult } from './store.ts';

export interface RunTask {
  cell: Cell;
  /** Path finetune opens (the subset file when the experiment asks for one). */
  dataPath: string;
  cellDir: string;
  keepModel: boolean;
  /** Stop after this many epochs, leaving the checkpoint (a rung of successive halving); none: run to the end. */
  stopAfterEpoch?: number;
}

export type ToWorker =
  /**
   * `engine`: how to start the process's engine, its share of the cores included; `paths`: where its cells find data
   * and weights and keep caches; `debug`: log failed cells' stacks.
   */
  | { type: 'init'; engine: EngineSettings; paths: Paths; debug: boolean }
  | ({ type: 'run' } & RunTask);

export type FromWorker =
  | { type: 'ready'; banner: string; backend: string }
  | { type: 'init-failed'; error: string }
  | { type: 'epoch-start'; cellId: string; epoch: number; batches: number }
  | { type: 'batch'; cellId: string; epoch: number; batch: number; batches: number }
  | { type: 'epoch'; cellId: string; record: EpochRecord }
  | { type: 'done'; cellId: string; result: CellResult }
  /** Stopped at stopAfterEpoch; `history` is every epoch so far (from the checkpoint, so none is lost to a kill). */
  | { type: 'stopped'; cellId: string; history: EpochRecord[] }
  | { type: 'failed'; cellId: string; error: string };
