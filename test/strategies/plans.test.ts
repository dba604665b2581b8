/** Strategies as pure plans: each plan against its definition (blocks per epoch, LRs, penalties), defaults, errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { buildPlan, getStrategy, parseParamPairs, resolveParams, STUDY_STRATEGIES, strategyIds } from '../../src/strategies/index.ts';
import { phaseAt, planEpochs, type TrainPlan } from '../../src/train/plan.ts';

const RESNET = ['stem', 'conv2_x', 'conv3_x', 'conv4_x', 'conv5_x', 'head'];
const ctx = (epochs: number, lr = 1e-3) => ({ blocks: RESNET, epochs, lr });
/** Trainable blocks of every epoch of a plan. */
const perEpoch = (p: TrainPlan) => Array.from({ length: planEpochs(p) }, (_, e) => phaseAt(p, e).phase.trainBlocks.join(','));

describe('strategy plans', () => {
  it('registers the eight strategies of the study plus discriminative and surgical', () => {
    for (const id of STUDY_STRATEGIES) assert.equal(getStrategy(id).id, id);
    assert.deepEqual(strategyIds(), ['ft', 'lp', 'lp-ft', 'gu-lf', 'gu-fl', 'l2-sp', 'l1-sp', 'auto-rgn', 'discriminative', 'surgical:<block>']);
    assert.throws(() => getStrategy('nope'), UsageError);
  });

  it('ft trains every block at the base LR; lp only the head at base × 10', () => {
    const f = buildPlan('ft', ctx(4));
    assert.deepEqual(f.phases.map((p) => [p.epochs, p.lr, p.trainBlocks.length, p.bn]), [[4, 1e-3, 6, 'follow']]);
    const l = buildPlan('lp', ctx(4));
    assert.deepEqual(l.phases.map((p) => [p.epochs, p.lr, p.trainBlocks]), [[4, 1e-2, ['head']]]);
    assert.equal(buildPlan('lp', ctx(4), { lrFactor: '1' }).phases[0].lr, 1e-3);
    // The probe sees fixed features unless asked (from the CLI the value is a string).
    assert.equal(l.phases[0].augment, false);
    assert.equal(buildPlan('lp', ctx(4), { augment: 'true' }).phases[0].augment, true);
    assert.equal(buildPlan('lp', ctx(4), { augment: true }).phases[0].augment, true);
  });

  it('lp-ft: LP on the head at its own LR, then FT of all blocks at the lower LR with a fresh optimizer', () => {
    const p = buildPlan('lp-ft', ctx(5));
    assert.deepEqual(p.phases.map((x) => [x.name, x.epochs, x.lr, x.trainBlocks.length, x.resetOptimizer]), [
      ['lp', 2, 1e-2, 1, true],
      ['ft', 3, 1e-3, 6, true],
    ]);
    assert.deepEqual(buildPlan('lp-ft', ctx(5), { lpEpochs: 4, ftLrFactor: 0.5 }).phases.map((x) => [x.epochs, x.lr]), [[4, 1e-2], [1, 5e-4]]);
    assert.throws(() => buildPlan('lp-ft', ctx(1)), UsageError);
    assert.throws(() => buildPlan('lp-ft', ctx(4), { lpEpochs: 4 }), UsageError);
    assert.throws(() => buildPlan('lp-ft', ctx(4), { ftLrFactor: 10 }), /lower LR/);
    // LP phase on fixed (un-augmented, cacheable) features; the FT phase follows the run's augmentation setting.
    assert.deepEqual(p.phases.map((x) => x.augment), [false, undefined]);
    assert.equal(buildPlan('lp-ft', ctx(5), { lpAugment: 'true' }).phases[0].augment, true);
    // FT keeps BN in inference mode unless asked (docs/strategies.md says why).
    assert.deepEqual(p.phases.map((x) => x.bn), ['follow', 'eval']);
    assert.deepEqual(buildPlan('lp-ft', ctx(5), { ftBn: 'follow' }).phases.map((x) => x.bn), ['follow', 'follow']);
    assert.throws(() => buildPlan('lp-ft', ctx(5), { ftBn: 'train' }), /ftBn/);
  });

  it('gu-lf unfreezes one block per epoch from the last stage down to the stem', () => {
    assert.deepEqual(perEpoch(buildPlan('gu-lf', ctx(7))), [
      'head',
      'conv5_x,head',
      'conv4_x,conv5_x,head',
      'conv3_x,conv4_x,conv5_x,head',
      'conv2_x,conv3_x,conv4_x,conv5_x,head',
      'stem,conv2_x,conv3_x,conv4_x,conv5_x,head',
      'stem,conv2_x,conv3_x,conv4_x,conv5_x,head',
    ]);
    // interval 2, and a run too short to unfreeze everything
    assert.deepEqual(perEpoch(buildPlan('gu-lf', ctx(5), { interval: 2 })), ['head', 'head', 'conv5_x,head', 'conv5_x,head', 'conv4_x,conv5_x,head']);
    const p = buildPlan('gu-lf', ctx(7));
    assert.deepEqual(p.phases.map((x) => x.resetOptimizer), [true, false, false, false, false, false]);
  });

  it('gu-fl starts with head and stem and unfreezes going up', () => {
    assert.deepEqual(perEpoch(buildPlan('gu-fl', ctx(6))), [
      'stem,head',
      'stem,conv2_x,head',
      'stem,conv2_x,conv3_x,head',
      'stem,conv2_x,conv3_x,conv4_x,head',
      'stem,conv2_x,conv3_x,conv4_x,conv5_x,head',
      'stem,conv2_x,conv3_x,conv4_x,conv5_x,head',
    ]);
  });

  it('l2-sp and l1-sp are FT with their penalty; defaults recorded, overridable', () => {
    const l2 = buildPlan('l2-sp', ctx(3));
    assert.deepEqual(l2.phases[0].penalty, { kind: 'l2-sp', alpha: 0.1, beta: 0.01 });
    assert.deepEqual(l2.params, { alpha: 0.1, beta: 0.01 });
    assert.equal(l2.phases[0].trainBlocks.length, 6);
    assert.deepEqual(buildPlan('l1-sp', ctx(3), parseParamPairs(['alpha=0.5', 'beta=0'])).phases[0].penalty, { kind: 'l1-sp', alpha: 0.5, beta: 0 });
    assert.throws(() => buildPlan('l2-sp', ctx(3), { gamma: 1 }), /Unrecognized key/);
    assert.throws(() => buildPlan('l2-sp', ctx(3), { alpha: -1 }), UsageError);
  });

  it('auto-rgn: one phase, all blocks, BN frozen, 5 probe batches by default', () => {
    const p = buildPlan('auto-rgn', ctx(3));
    assert.deepEqual(p.phases.map((x) => [x.bn, x.autoRgn, x.trainBlocks.length]), [['eval', { probeBatches: 5 }, 6]]);
    assert.equal(buildPlan('auto-rgn', ctx(3), { probeBatches: '2' }).phases[0].autoRgn!.probeBatches, 2);
  });

  it('discriminative divides the LR by 2.6 per block going down; surgical trains one block and the head', () => {
    const d = buildPlan('discriminative', ctx(2)).phases[0].blockLr!;
    RESNET.forEach((b, i) => assert.ok(Math.abs(d[b] - 2.6 ** -(5 - i)) < 1e-15, b));
    const s = buildPlan('surgical:conv3_x', ctx(2));
    assert.equal(s.strategy, 'surgical:conv3_x');
    assert.deepEqual(s.phases[0].trainBlocks, ['conv3_x', 'head']);
    assert.throws(() => buildPlan('surgical:conv9_x', ctx(2)), /no block 'conv9_x'/);
    assert.throws(() => buildPlan('surgical', ctx(2)), /needs a block/);
  });

  it('every strategy plans exactly the run\'s epochs and records its resolved parameters', () => {
    for (const id of [...STUDY_STRATEGIES, 'discriminative', 'surgical:stem']) {
      for (const epochs of [2, 3, 9]) assert.equal(planEpochs(buildPlan(id, ctx(epochs))), epochs, `${id} ${epochs}`);
    }
    assert.deepEqual(resolveParams('gu-lf'), { interval: 1 });
    assert.throws(() => parseParamPairs(['alpha']), UsageError);
  });
});
