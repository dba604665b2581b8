/** A small experiment file for CLI and queue tests: tiny_cnn at 16 px on a BreastMNIST subset, 1 epoch. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeTinyGrid(dir: string, name: string, o: { strategies: string; seeds: string; weights: string; dataset?: string }): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
datasets: [${o.dataset ?? 'breastmnist'}]
models: [{ name: tiny_cnn, weights: ${o.weights} }]
strategies: ${o.strategies}
seeds: ${o.seeds}
epochs: 1
lr: 0.001
inputSize: 16
subset: { train: 32, val: 16, test: 24 }
train: { batchSize: 16 }
`);
  return file;
}
