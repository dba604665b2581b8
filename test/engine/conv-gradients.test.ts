/**
 * Every wasm gradient kernel path against the cpu backend on a table of shapes. Where the cpu backend has no
 * dilated gradient, the check is the adjoint identity with cpu's forward conv: ⟨dW, V⟩ = ⟨dy, conv(x, V)⟩ and
 * ⟨dx, U⟩ = ⟨dy, conv(U, W)⟩, which hold exactly for the true gradients.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm, type FilterGradPath } from '../../src/engine/kernels/conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasm, inputGradPaths } from '../../src/engine/kernels/conv2d-backprop-input.ts';
import { useWasm } from '../helpers/backends.ts';
import { cases, checkFilterGrad, checkInputGrad, geometry, inputs, label, runWasm, TOL } from '../helpers/conv-cases.ts';

describe('wasm conv2d gradient kernels vs the cpu backend', () => {
  before(useWasm);
  for (const c of cases) {
    for (const path of ['colsT', 'dyT'] as FilterGradPath[]) {
      it(`filter gradient [${path}] ${label(c)}`, async () => {
        const g = geometry(c);
        const { x, dy } = inputs(c, g);
        const got = runWasm((b) => tf.tidy(() => {
          const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
          const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
          return tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropFilterWasm(b, xt, dyt, g, path)));
        }));
        const err = await checkFilterGrad(c, g, got);
        assert.ok(err <= TOL, `relative error ${err} > ${TOL}`);
      });
    }
    for (const path of inputGradPaths(geometry(c))) {
      it(`input gradient [${path}] ${label(c)}`, async () => {
        const g = geometry(c);
        const { w, dy } = inputs(c, g);
        const got = runWasm((b) => tf.tidy(() => {
          const wt = tf.tensor4d(w, [c.k, c.k, c.c, c.oc]);
          const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
          return tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropInputWasm(b, dyt, wt, g, path)));
        }));
        const err = await checkInputGrad(c, g, got);
        assert.ok(err <= TOL, `relative error ${err} > ${TOL}`);
      });
    }
  }
});
