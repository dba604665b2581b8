/** The wasm-heap check refuses a train step that cannot fit, naming a batch that does, before anything aborts. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ResourceError } from '../../src/errors.ts';
import { assertTrainingFits, estimateTrainingHeapBytes, maxBatchEstimate, WASM_HEAP_MAX_BYTES } from '../../src/engine/memory.ts';
import { buildModel } from '../../src/models/index.ts';
import { useWasm } from '../helpers/backends.ts';

describe('wasm memory check', () => {
  before(useWasm);
  it('ResNet-50 at 224 px: batch 11 passes (measured to fit), batch 12 is refused (measured to abort)', async () => {
    await tf.setBackend('wasm');
    const { model } = buildModel('resnet50', { numClasses: 2, inputSize: 224 });
    assert.doesNotThrow(() => assertTrainingFits(model, 11, 'resnet50 at 224×224'));
    assert.throws(() => assertTrainingFits(model, 12, 'resnet50 at 224×224'), (e: unknown) =>
      e instanceof ResourceError && /batch 12 needs about [\d.]+ GiB.*4 GiB.*--batch 11 or less/.test(e.message));
    const max = maxBatchEstimate(model);
    assert.ok(estimateTrainingHeapBytes(model, max) <= WASM_HEAP_MAX_BYTES);
    assert.ok(estimateTrainingHeapBytes(model, max + 1) > WASM_HEAP_MAX_BYTES);
    model.dispose();
  });
});
