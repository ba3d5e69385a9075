import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ONNX_FLOAT16, halfBytes, onnxModel } from '../../../src/engines/onnx-writer.js';
import { widenFloat16Model } from '../../../src/engines/models/onnx-widen.js';

/**
 * The shape of a half-precision export (ISNet "medium"): float32 in, Cast to float16, a convolution
 * with float16 weights and bias, a float16 constant added, Relu, Cast back to float32 out.
 */
function halfModel() {
  const weights = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i * 0.7) * 0.5);
  const bias = [0.1, -0.2, 0.05, 0.3];
  return onnxModel({
    inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
    outputs: [{ name: 'y', dims: [1, 4, 8, 8] }],
    inits: [
      { name: 'w', dims: [4, 3, 3, 3], values: weights, type: ONNX_FLOAT16 },
      { name: 'b', dims: [4], values: bias, type: ONNX_FLOAT16 },
      { name: 'offset', dims: [1], values: [0.25], type: ONNX_FLOAT16 },
    ],
    nodes: [
      { op: 'Cast', in: ['x'], out: ['xh'], attrs: { to: ONNX_FLOAT16 } },
      { op: 'Conv', in: ['xh', 'w', 'b'], out: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Add', in: ['c', 'offset'], out: ['a'] },
      { op: 'Relu', in: ['a'], out: ['r'] },
      { op: 'Cast', in: ['r'], out: ['y'], attrs: { to: 1 } },
    ],
  });
}

const run = async (model: Uint8Array, x: Float32Array) => {
  const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const out = await s.run({ x: new ort.Tensor('float32', x, [1, 3, 8, 8]) });
  return out.y.data as Float32Array;
};

test('halfBytes rounds to the nearest half (0.1 → 0x2e66, 1 → 0x3c00, -2 → 0xc000, 65504 → 0x7bff)', () => {
  const b = halfBytes([0.1, 1, -2, 65504, 0]);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => b.readUInt16LE(2 * i)), [0x2e66, 0x3c00, 0xc000, 0x7bff, 0]);
});

test('a float16 graph widened to float32 gives the same results to float16 rounding, with no float16 left', async () => {
  const half = halfModel();
  const wide = widenFloat16Model(half);
  assert.ok(wide.length > half.length, 'the weights take twice the bytes');
  const x = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.cos(i * 0.3));
  const [a, b] = [await run(half, x), await run(wide, x)];
  assert.equal(b.length, a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  // The half graph may round intermediates to 11 significant bits; the widened one does not.
  assert.ok(worst < 5e-3, `largest difference ${worst}`);
  // Widened again, nothing changes: no float16 type, constant or Cast target is left.
  assert.deepEqual(widenFloat16Model(wide), wide);
});
