/** What the pool's parent and its worker processes say to each other over the IPC channel. */
import type { EpochRecord } from '../train/loop.ts';
import type { Cell } from './cells.ts';
import type { CellResult } from './store.ts';

export interface RunTask {
  cell: Cell;
  /** Path finetune opens (the subset file when the experiment asks for one). */
  dataPath: string;
  cellDir: string;
  keepModel: boolean;
}

export type ToWorker =
  | { type: 'init'; backend?: string }
  | ({ type: 'run' } & RunTask);

export type FromWorker =
  | { type: 'ready'; banner: string; backend: string }
  | { type: 'init-failed'; error: string }
  | { type: 'epoch-start'; cellId: string; epoch: number; batches: number }
  | { type: 'batch'; cellId: string; epoch: number; batch: number; batches: number }
  | { type: 'epoch'; cellId: string; record: EpochRecord }
  | { type: 'done'; cellId: string; result: CellResult }
  | { type: 'failed'; cellId: string; error: string };
