/** `medft models [--json]` end to end: every model with Keras' parameter counts, preprocessing, blocks, sources. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

const KERAS_COUNTS: [string, string, number][] = [
  ['resnet50', 'with 1000-class top', 25_636_712],
  ['densenet121', 'with 1000-class top', 8_062_504],
  ['vgg19', 'with 1000-class top', 143_667_240],
  ['mobilenet_v2', 'alpha 0.35, no top', 410_208],
  ['mobilenet_v1', 'alpha 0.25, with 1000-class top', 475_544],
];

describe('medft models', () => {
  it('--json lists every model with the Keras parameter counts', () => {
    const r = medft(['models', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const models = JSON.parse(r.stdout) as { name: string; configs: { label: string; params: number }[]; preprocess: { channelOrder: string }; blocks: string[]; weightSources: { kind: string }[] }[];
    assert.deepEqual(models.map((m) => m.name), ['resnet50', 'densenet121', 'vgg19', 'mobilenet_v2', 'mobilenet_v1', 'tiny_cnn']);
    for (const [name, label, params] of KERAS_COUNTS) {
      const m = models.find((x) => x.name === name)!;
      assert.equal(m.configs.find((c) => c.label === label)?.params, params, `${name} ${label}`);
    }
    const resnet = models.find((m) => m.name === 'resnet50')!;
    assert.equal(resnet.preprocess.channelOrder, 'BGR');
    assert.deepEqual(resnet.blocks, ['stem', 'conv2_x', 'conv3_x', 'conv4_x', 'conv5_x', 'head']);
    assert.ok(resnet.weightSources.some((s) => s.kind === 'npm'));
  });

  it('text output shows the counts with thousands separators', () => {
    const r = medft(['models']);
    assert.equal(r.status, 0, r.stderr);
    for (const [name, , params] of KERAS_COUNTS) {
      assert.match(r.stdout, new RegExp(`^${name} `, 'm'));
      assert.ok(r.stdout.includes(params.toLocaleString('en-US')), `${name}: ${params}`);
    }
  });
});
