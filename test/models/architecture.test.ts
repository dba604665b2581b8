/**
 * Topologies against independent facts: Keras' published parameter counts, Keras layer/weight names and shapes,
 * output feature-map sizes from the stride arithmetic, hand-computed parameter counts of single blocks, and the
 * block partition (every weight-bearing layer in exactly one block, blocks in the order DESIGN.md gives).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '../../src/errors.ts';
import { blockWeights, buildModel, createModel, type ModelSpec } from '../../src/models/index.ts';

before(async () => {
  await tf.setBackend('cpu');
});

function withModel<T>(name: string, opts: Parameters<typeof buildModel>[1], fn: (m: tfl.LayersModel, s: ModelSpec) => T): T {
  const { model, spec } = buildModel(name, opts);
  try {
    return fn(model, spec);
  } finally {
    model.dispose();
  }
}

function weightShape(m: tfl.LayersModel, layer: string, weight: string): number[] {
  const v = m.getLayer(layer).weights.find((w) => w.originalName === `${layer}/${weight}`);
  assert.ok(v, `${layer}/${weight} not found`);
  return v.shape as number[];
}

function blockParams(m: tfl.LayersModel, s: ModelSpec, block: string): number {
  const b = s.blocks.find((x) => x.name === block);
  assert.ok(b, `block ${block}`);
  return b.layerNames.reduce((n, l) => n + m.getLayer(l).countParams(), 0);
}

describe('parameter counts equal Keras', () => {
  const cases: [string, Parameters<typeof buildModel>[1], number][] = [
    ['resnet50', { includeTop: true }, 25_636_712],
    ['resnet50', {}, 23_587_712],
    ['densenet121', { includeTop: true }, 8_062_504],
    ['densenet121', {}, 7_037_504],
    ['vgg19', { includeTop: true }, 143_667_240],
    ['vgg19', {}, 20_024_384],
    ['mobilenet_v2', { alpha: 0.35 }, 410_208],
    ['mobilenet_v2', { alpha: 1.0, includeTop: true }, 3_538_984],
    ['mobilenet_v1', { alpha: 0.25, includeTop: true }, 475_544],
    ['mobilenet_v1', { alpha: 1.0, includeTop: true }, 4_253_864],
  ];
  for (const [name, opts, expected] of cases) {
    it(`${name} ${JSON.stringify(opts)}: ${expected.toLocaleString('en-US')}`, () => {
      withModel(name, opts, (m, s) => {
        assert.equal(m.countParams(), expected);
        assert.equal(s.params, expected);
      });
    });
  }
});

describe('Keras layer and weight names, shapes and feature maps', () => {
  it('resnet50: names, bias on every conv, 7×7×2048 at 224 and 2×2×2048 at 64', () => {
    withModel('resnet50', {}, (m) => {
      assert.deepEqual(weightShape(m, 'conv1_conv', 'kernel'), [7, 7, 3, 64]);
      assert.deepEqual(weightShape(m, 'conv1_conv', 'bias'), [64]);
      assert.deepEqual(weightShape(m, 'conv2_block1_0_conv', 'kernel'), [1, 1, 64, 256]);
      assert.deepEqual(weightShape(m, 'conv2_block1_1_bn', 'moving_variance'), [64]);
      assert.deepEqual(weightShape(m, 'conv4_block6_2_conv', 'kernel'), [3, 3, 256, 256]);
      assert.deepEqual(weightShape(m, 'conv5_block3_3_conv', 'kernel'), [1, 1, 512, 2048]);
      assert.deepEqual(m.outputs[0].shape, [null, 7, 7, 2048]);
      assert.equal((m.getLayer('conv1_bn').getConfig() as { epsilon: number }).epsilon, 1.001e-5);
    });
    withModel('resnet50', { inputSize: 64 }, (m) => assert.deepEqual(m.outputs[0].shape, [null, 2, 2, 2048]));
  });
  it('densenet121: names, growth 32, compression 0.5, 7×7×1024', () => {
    withModel('densenet121', {}, (m) => {
      assert.deepEqual(weightShape(m, 'conv2_block1_0_bn', 'gamma'), [64]);
      assert.deepEqual(weightShape(m, 'conv2_block1_1_conv', 'kernel'), [1, 1, 64, 128]);
      assert.deepEqual(weightShape(m, 'conv2_block6_2_conv', 'kernel'), [3, 3, 128, 32]);
      assert.deepEqual(weightShape(m, 'pool2_conv', 'kernel'), [1, 1, 256, 128]);
      assert.deepEqual(weightShape(m, 'pool4_conv', 'kernel'), [1, 1, 1024, 512]);
      assert.deepEqual(weightShape(m, 'bn', 'gamma'), [1024]);
      assert.equal(m.getLayer('conv2_block1_1_conv').weights.length, 1, 'DenseNet convs have no bias');
      assert.deepEqual(m.outputs[0].shape, [null, 7, 7, 1024]);
    });
  });
  it('vgg19: block names, 16 convs with bias, 7×7×512', () => {
    withModel('vgg19', {}, (m) => {
      assert.deepEqual(weightShape(m, 'block1_conv1', 'kernel'), [3, 3, 3, 64]);
      assert.deepEqual(weightShape(m, 'block3_conv4', 'kernel'), [3, 3, 256, 256]);
      assert.deepEqual(weightShape(m, 'block5_conv4', 'bias'), [512]);
      assert.equal(m.layers.filter((l) => l.getClassName() === 'Conv2D').length, 16);
      assert.deepEqual(m.outputs[0].shape, [null, 7, 7, 512]);
    });
  });
  it('mobilenet_v2 0.35: Keras names, 7×7×1280; odd sizes follow TF "same" (ceil halving) through correct_pad', () => {
    withModel('mobilenet_v2', { alpha: 0.35 }, (m) => {
      assert.deepEqual(weightShape(m, 'Conv1', 'kernel'), [3, 3, 3, 16]);
      assert.deepEqual(weightShape(m, 'expanded_conv_depthwise', 'depthwise_kernel'), [3, 3, 16, 1]);
      assert.deepEqual(weightShape(m, 'expanded_conv_project', 'kernel'), [1, 1, 16, 8]);
      assert.deepEqual(weightShape(m, 'block_16_project', 'kernel'), [1, 1, 336, 112]);
      assert.deepEqual(weightShape(m, 'Conv_1_bn', 'moving_mean'), [1280]);
      assert.deepEqual(m.outputs[0].shape, [null, 7, 7, 1280]);
    });
    // 225 → 113 → 57 → 29 → 15 → 8 (five stride-2 steps, each ceil(n/2)).
    withModel('mobilenet_v2', { alpha: 0.35, inputSize: 225 }, (m) => assert.deepEqual(m.outputs[0].shape, [null, 8, 8, 1280]));
    withModel('mobilenet_v2', { alpha: 0.35, inputSize: 225 }, (m) => {
      assert.deepEqual((m.getLayer('block_1_pad').getConfig() as { padding: number[][] }).padding, [[1, 1], [1, 1]]);
    });
  });
  it('mobilenet_v1 0.25 with top: Keras names and the conv_preds classifier', () => {
    withModel('mobilenet_v1', { alpha: 0.25, includeTop: true }, (m) => {
      assert.deepEqual(weightShape(m, 'conv1', 'kernel'), [3, 3, 3, 8]);
      assert.deepEqual(weightShape(m, 'conv_dw_13', 'depthwise_kernel'), [3, 3, 256, 1]);
      assert.deepEqual(weightShape(m, 'conv_pw_13', 'kernel'), [1, 1, 256, 256]);
      assert.deepEqual(weightShape(m, 'conv_preds', 'kernel'), [1, 1, 256, 1000]);
      assert.deepEqual(weightShape(m, 'conv_preds', 'bias'), [1000]);
      assert.deepEqual(m.outputs[0].shape, [null, 1000]);
    });
  });
});

describe('new-task head', () => {
  it('global average pooling → dropout → dense(numClasses) logits, named medft_head_*', () => {
    withModel('resnet50', { numClasses: 3, dropout: 0.2, inputSize: 64 }, (m, s) => {
      const tail = m.layers.slice(-3).map((l) => [l.name, l.getClassName()]);
      assert.deepEqual(tail, [['medft_head_pool', 'GlobalAveragePooling2D'], ['medft_head_dropout', 'Dropout'], ['medft_head_dense', 'Dense']]);
      assert.equal((m.getLayer('medft_head_dense').getConfig() as { activation: string }).activation, 'linear');
      assert.equal(m.countParams(), 23_587_712 + 2048 * 3 + 3);
      assert.deepEqual(m.outputs[0].shape, [null, 3]);
      assert.equal(s.head, 'new');
      assert.deepEqual(s.blocks.at(-1), { name: 'head', layerNames: ['medft_head_pool', 'medft_head_dropout', 'medft_head_dense'] });
    });
  });
  it('no dropout layer when dropout is 0; the seed fixes the head initialisation', () => {
    const a = buildModel('tiny_cnn', { numClasses: 4, seed: 7 });
    const b = buildModel('tiny_cnn', { numClasses: 4, seed: 7 });
    try {
      assert.ok(!a.model.layers.some((l) => l.name === 'medft_head_dropout'));
      const wa = a.model.getLayer('medft_head_dense').getWeights()[0].dataSync();
      const wb = b.model.getLayer('medft_head_dense').getWeights()[0].dataSync();
      assert.deepEqual(Array.from(wa), Array.from(wb));
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });
});

describe('block partition', () => {
  const expected: Record<string, string[]> = {
    resnet50: ['stem', 'conv2_x', 'conv3_x', 'conv4_x', 'conv5_x', 'head'],
    densenet121: ['stem', 'dense1', 'trans1', 'dense2', 'trans2', 'dense3', 'trans3', 'dense4', 'head'],
    vgg19: ['block1', 'block2', 'block3', 'block4', 'block5', 'head'],
    mobilenet_v2: ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'head'],
    mobilenet_v1: ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'head'],
    tiny_cnn: ['stem', 'block1', 'block2', 'head'],
  };
  for (const [name, blocks] of Object.entries(expected)) {
    it(`${name}: ${blocks.join(', ')}; every layer with weights in exactly one block`, () => {
      const opts = { numClasses: 2, inputSize: name === 'tiny_cnn' ? 32 : 64, ...(name.startsWith('mobilenet') ? { alpha: name === 'mobilenet_v1' ? 0.25 : 0.35 } : {}) };
      withModel(name, opts, (m, s) => {
        assert.deepEqual(s.blocks.map((b) => b.name), blocks);
        const seen = new Map<string, number>();
        for (const b of s.blocks) for (const l of b.layerNames) seen.set(l, (seen.get(l) ?? 0) + 1);
        for (const l of m.layers) {
          if (l.getClassName() === 'InputLayer') continue;
          assert.equal(seen.get(l.name), 1, `${l.name} is in ${seen.get(l.name) ?? 0} blocks`);
        }
        assert.equal([...seen.keys()].length, m.layers.length - 1);
        const sum = s.blocks.reduce((n, b) => n + blockParams(m, s, b.name), 0);
        assert.equal(sum, m.countParams(), 'blocks hold all parameters');
        assert.deepEqual(s.blocks.at(-1)!.layerNames.filter((l) => m.getLayer(l).countParams() > 0), ['medft_head_dense']);
        const grouped = blockWeights(m, s).flatMap((b) => b.weights);
        assert.equal(grouped.length, m.weights.length);
        assert.equal(new Set(grouped).size, m.weights.length, 'every variable in exactly one block');
      });
    });
  }
  it('blocks hold the right layers (parameter counts computed by hand from the papers’ shapes)', () => {
    withModel('vgg19', { numClasses: 2 }, (m, s) => {
      assert.equal(blockParams(m, s, 'block1'), 3 * 9 * 64 + 64 + 64 * 9 * 64 + 64);
      assert.equal(blockParams(m, s, 'block5'), 4 * (512 * 9 * 512 + 512));
    });
    withModel('resnet50', { numClasses: 2 }, (m, s) => {
      assert.equal(blockParams(m, s, 'stem'), 7 * 7 * 3 * 64 + 64 + 4 * 64);
      assert.equal(s.blocks.find((b) => b.name === 'conv2_x')!.layerNames.filter((l) => l.endsWith('_conv')).length, 3 * 3 + 1);
    });
    withModel('densenet121', { numClasses: 2 }, (m, s) => {
      assert.equal(blockParams(m, s, 'trans1'), 4 * 256 + 256 * 128);
      const d4 = s.blocks.find((b) => b.name === 'dense4')!.layerNames;
      assert.equal(d4.filter((l) => /_2_conv$/.test(l)).length, 16);
      assert.ok(d4.includes('bn') && d4.includes('relu'), 'final norm belongs to dense4');
    });
  });
});

describe('preprocessing spec matches how the weights were trained', () => {
  it('caffe for resnet50/vgg19, torch for densenet121, [-1, 1] for MobileNets; inputSize follows the model', () => {
    const caffe = { channelOrder: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] };
    const torch = { channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const tfStyle = { channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] };
    const cases: [string, object, object, number][] = [
      ['resnet50', { inputSize: 96 }, caffe, 96],
      ['vgg19', {}, caffe, 224],
      ['densenet121', { inputSize: 64 }, torch, 64],
      ['mobilenet_v2', { alpha: 0.35 }, tfStyle, 224],
      ['mobilenet_v1', { alpha: 0.25 }, tfStyle, 224],
    ];
    for (const [name, opts, p, size] of cases) {
      withModel(name, opts, (_m, s) => assert.deepEqual(s.preprocess, { ...p, inputSize: size }, name));
    }
  });
});

describe('option errors', () => {
  it('unknown model, bad alpha, impossible combinations are UsageErrors naming the fix', async () => {
    assert.throws(() => buildModel('resnet51'), (e: Error) => e instanceof UsageError && /resnet50, densenet121/.test(e.message));
    assert.throws(() => buildModel('mobilenet_v2', { alpha: 0.3 }), (e: Error) => e instanceof UsageError && /0\.35/.test(e.message));
    assert.throws(() => buildModel('vgg19', { includeTop: true, inputSize: 64 }), UsageError);
    assert.throws(() => buildModel('tiny_cnn', { includeTop: true }), UsageError);
    assert.throws(() => buildModel('resnet50', { inputSize: 16 }), UsageError);
    assert.throws(() => buildModel('resnet50', { numClasses: 2.5 }), UsageError);
    assert.throws(() => buildModel('resnet50', { dropout: 1 }), UsageError);
    await assert.rejects(createModel('tiny_cnn', { numClasses: 2, weights: 'imagenet' }), UsageError);
    await assert.rejects(createModel('resnet50', { includeTop: true, numClasses: 10, weights: 'imagenet' }), UsageError);
    assert.equal(buildModel('mobilenet-v2', { alpha: 0.35 }).spec.name, 'mobilenet_v2');
  });
});
