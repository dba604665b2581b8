/**
 * Child process for the native train-step test: trains the small ResNet on wasm (with or without the oneDNN
 * accelerator, as MEDFT_ACCELERATOR says) and prints {accelerator, losses, weights} as JSON on stdout.
 */
import { initEngine } from '../../src/engine/backend.ts';
import { engineFromEnv } from '../../src/settings.ts';
import { train } from './small-resnet.ts';

const info = await initEngine({ ...engineFromEnv(), backend: 'wasm' });
const steps = Number(process.argv[2] ?? 6);
const r = train(steps);
process.stdout.write(JSON.stringify({ accelerator: info.accelerator, losses: r.losses, names: r.names,
  weights: r.weights.map((w) => Array.from(w)) }));
