import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../../models/index.ts';
import type { DataParallel } from './data-parallel.ts';
import { ONE_ENGINE } from './one-engine.ts';
import { ReplicaGroup } from './replica-group.ts';

/**
 * Data parallelism for `model` over `ranks` engines: this one alone for 1 (or fewer); else ranks − 1 replica threads, each
 * building `spec`'s model, with `seed` seeding their dropout masks (each rank its own).
 */
export async function startDataParallel(model: tfl.LayersModel, spec: ModelSpec, ranks: number, seed = 0): Promise<DataParallel> {
  return ranks > 1 ? ReplicaGroup.start(model, spec, ranks, seed) : ONE_ENGINE;
}
