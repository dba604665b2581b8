/**
 * Writes HDF5 files in the layout Keras 2 `save_weights` produces (and keras.applications ships), with h5wasm,
 * independently of medft's reader: root attribute `layer_names` (fixed-length byte strings), one group per layer
 * with attribute `weight_names` (`layer/weight:0`), datasets at `<layer>/<layer>/<weight>:0`; layers without
 * weights get an empty `weight_names`. Options reproduce Keras' variants: attributes split into `layer_names0..n`
 * when large, full-model files under `model_weights/`, and the old Keras-1 weight names (`block1_conv1_W_1:0`).
 */
import h5wasm from 'h5wasm/node';

export interface FixtureLayer {
  name: string;
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

export interface FixtureOptions {
  splitLayerNames?: number;
  underModelWeights?: boolean;
  oldWeightNames?: boolean;
}

function fixedStrings(values: string[]): string {
  return `S${Math.max(1, ...values.map((v) => Buffer.byteLength(v)))}`;
}

export async function writeKerasH5(file: string, layers: FixtureLayer[], o: FixtureOptions = {}): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  try {
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.2.4');
    const root = o.underModelWeights ? f.create_group('model_weights') : f;
    const names = layers.map((l) => l.name);
    if (o.splitLayerNames) {
      const k = o.splitLayerNames;
      for (let i = 0; i * k < names.length; i++) {
        const part = names.slice(i * k, (i + 1) * k);
        root.create_attribute(`layer_names${i}`, part, [part.length], fixedStrings(part));
      }
    } else {
      root.create_attribute('layer_names', names, [names.length], fixedStrings(names));
    }
    for (const l of layers) {
      const g = root.create_group(l.name);
      if (l.weights.length === 0) {
        g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
        continue;
      }
      const wn = l.weights.map((w, i) =>
        o.oldWeightNames ? `${l.name}_${'WbCD'[i] ?? i}_1:0` : `${l.name}/${w.name}:0`,
      );
      g.create_attribute('weight_names', wn, [wn.length], fixedStrings(wn));
      l.weights.forEach((w, i) => {
        const parts = wn[i].split('/');
        let parent = g;
        for (const p of parts.slice(0, -1)) parent = parent.keys().includes(p) ? (parent.get(p) as typeof g) : parent.create_group(p);
        parent.create_dataset({ name: parts.at(-1)!, data: w.data, shape: w.shape, dtype: '<f' });
      });
    }
  } finally {
    f.close();
  }
}
