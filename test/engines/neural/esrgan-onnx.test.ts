import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import type * as TF from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { modelSpec } from '../../../src/engines/models/catalog.js';
import { requireModel } from '../../../src/engines/models/resolve.js';
import { esrganToOnnx, INPUT, OUTPUT } from '../../../src/engines/neural/esrgan-onnx.js';
import { tfjsWasm } from '../../../src/engines/runtime/tfjs.js';
import { photo } from './helpers.js';
import os from 'node:os';
import sharp from 'sharp';

describe('ESRGAN translated from tfjs layers to ONNX', () => {
  // psnr-small: uint8-quantised weights and a network on 0..1 (the graph converts from and to 0..255).
  for (const model of ['esrgan-slim-x2', 'esrgan-slim-x4', 'esrgan-psnr-small-x2'] as const) {
    test(`${model} on onnxruntime gives the tfjs model's pixels`, async () => {
      const spec = modelSpec(model);
      const dir = (await requireModel(spec, os.tmpdir())).dir;
      const valueScale = spec.outputScale === 255 ? 255 : 1;
      const { data, info } = await sharp(photo('baboon.jpg')).resize(40, 36).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const input = Float32Array.from(data);
      const session = await ort.InferenceSession.create(await esrganToOnnx(dir, { valueScale }), { intraOpNumThreads: 1 });
      const got = (await session.run({ [INPUT]: new ort.Tensor('float32', input, [1, info.height, info.width, 3]) }))[OUTPUT];
      const tf = await tfjsWasm();
      const net = await tf.loadLayersModel(pathToFileURL(path.join(dir, 'model.json')).href);
      const want = tf.tidy(() => tf.mul(net.predict(tf.div(tf.tensor4d(input, [1, info.height, info.width, 3]), valueScale)) as TF.Tensor4D, valueScale) as TF.Tensor4D);
      assert.deepEqual(got.dims, want.shape);
      const w = (await want.data()) as Float32Array;
      want.dispose();
      const g = got.data as Float32Array;
      let worst = 0;
      let spread = 0;
      for (let i = 0; i < w.length; i++) {
        worst = Math.max(worst, Math.abs(g[i] - w[i]));
        spread = Math.max(spread, Math.abs(w[i] - w[0]));
      }
      // The model really ran (its output is a picture, not a constant), and the two runtimes agree far below one grey level.
      assert.ok(spread > 50, `tfjs output spans ${spread}`);
      assert.ok(worst < 0.01, `largest difference ${worst}`);
      await session.release();
    });
  }

  test('psnr-small keeps one lean session under a roomy budget; slim takes the arena there', async () => {
    const { loadUpscaler } = await import('../../../src/engines/neural/upscale-kernel.js');
    const dir = os.tmpdir();
    assert.equal(await loadUpscaler('esrgan-psnr-small-x2', dir, true), await loadUpscaler('esrgan-psnr-small-x2', dir, false));
    assert.notEqual(await loadUpscaler('esrgan-slim-x2', dir, true), await loadUpscaler('esrgan-slim-x2', dir, false));
  });

  test('a layer it cannot translate is refused by name', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esrgan-onnx-'));
    const layers = [
      { class_name: 'InputLayer', config: { name: 'LR' } },
      { class_name: 'BatchNormalization', config: { name: 'BN' }, inbound_nodes: [[['LR', 0, 0, {}]]] },
    ];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: { model_config: { config: { layers } } }, weightsManifest: [] }));
    await assert.rejects(esrganToOnnx(dir), /BN: BatchNormalization is not supported/);
  });
});
