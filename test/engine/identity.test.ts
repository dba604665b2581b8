/**
 * Identity, and Cast to the same dtype, on wasm share data by reference count: values survive the original's disposal,
 * nothing leaks.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useWasm } from '../helpers/backends.ts';

describe('Identity on wasm', () => {
  before(useWasm);
  it('clone shares data, outlives its source, and frees it with the last reference', async () => {
    await tf.setBackend('wasm');
    const dataIdsBefore = tf.backend().numDataIds();
    const x = tf.tensor1d([1, 2, 3, 4]);
    const y = tf.clone(x);
    assert.equal(tf.backend().numDataIds(), dataIdsBefore + 1, 'no copy was made');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
    assert.equal(tf.backend().numDataIds(), dataIdsBefore, 'the data is freed with its last reference');
  });

  it('a variable assigned a new value leaves an earlier clone untouched', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([5, 6]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2]);
    assert.deepEqual(Array.from(v.dataSync()), [5, 6]);
    tf.dispose([v, snapshot]);
  });

  it('a cast to the same dtype shares data too; a cast to another dtype converts', async () => {
    await tf.setBackend('wasm');
    const dataIdsBefore = tf.backend().numDataIds();
    const x = tf.tensor1d([1.5, -2, 3]);
    const same = tf.cast(x, 'float32');
    assert.equal(tf.backend().numDataIds(), dataIdsBefore + 1, 'no copy was made');
    const other = tf.cast(x, 'int32');
    assert.equal(other.dtype, 'int32');
    assert.deepEqual(Array.from(other.dataSync()), [1, -2, 3]);
    x.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [1.5, -2, 3]);
    tf.dispose([same, other]);
    assert.equal(tf.backend().numDataIds(), dataIdsBefore, 'the data is freed with its last reference');
  });
});
