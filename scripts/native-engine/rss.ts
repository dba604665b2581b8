// RSS of the native whole-step engine over many steps (issue #20: no memory growth over 1,000 steps): a zoo model
// trained on one repeated batch, RSS printed every 250 steps after a 50-step warm-up.
// Usage: node --import tsx scripts/native-engine/rss.ts [MODEL] [SIZE] [BATCH] [STEPS]
import { initEngine } from '../../src/engine/index.ts';
import { openNativeStep } from '../../src/engine/whole-step/index.ts';
import { buildModel } from '../../src/models/index.ts';
import { engineFromEnv } from '../../src/settings.ts';

const [name = 'resnet50', size = '32', batch = '8', steps = '1000'] = process.argv.slice(2);
const [s, n, total] = [Number(size), Number(batch), Number(steps)];
await initEngine(engineFromEnv());
const { model } = buildModel(name, { numClasses: 2, inputSize: s });
const o = openNativeStep(model, { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, momentum: 0.9 }, { winograd: true });
if (!o.step) throw new Error(o.declined);
const engine = o.step;
engine.pushWeights();
engine.setTraining(new Map(model.trainableWeights.map((w) => [w.originalName, 1])));
const x = Float32Array.from({ length: n * s * s * 3 }, () => Math.random() * 2 - 1);
const y = Int32Array.from({ length: n }, (_, i) => i % 2);
const mib = () => (process.memoryUsage().rss / 2 ** 20).toFixed(1);
for (let i = 0; i < 50; i++) engine.step(x, [n, s, s, 3], y, { lr: 1e-4 });
console.log(`${name} ${s}px batch ${n}: after 50 warm-up steps RSS ${mib()} MiB`);
const t0 = performance.now();
let loss = 0;
for (let i = 1; i <= total; i++) {
  loss = engine.step(x, [n, s, s, 3], y, { lr: 1e-4 }).loss;
  if (i % 250 === 0) console.log(`step ${i}: RSS ${mib()} MiB, loss ${loss.toFixed(4)}`);
}
console.log(`${total} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
engine.dispose();
