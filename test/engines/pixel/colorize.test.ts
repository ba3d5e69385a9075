import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { EngineJob } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { createColorizeEngine } from '../../../src/engines/neural/colorize.js';
import { rgbToLab } from '../../../src/engines/lab.js';

const labOf = (r: number, g: number, b: number) => Array.from(rgbToLab(Uint8Array.from([r, g, b]), 3, 1));
import { makeCtx, makeDeps, rgbOf, saveArtifact, testFile } from './helpers.js';
import { tinyColorizeModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from '../models/install.js';

const job = (): EngineJob => ({ taskId: 't', feature: 'colorize', files: { src_ids: [testFile('camera.png')] }, params: {}, outputExt: 'png' });

describe('colorize without weights', () => {
  const deps = makeDeps();
  const engine = createColorizeEngine(deps);
  after(() => deps.pool.destroy());

  it('is reported unavailable and fails with error_inference naming what to install', async () => {
    const a = engine.availability();
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /models pull ddcolor-tiny/);
    await assert.rejects(engine.run(job(), makeCtx()), (e: EngineError) => {
      assert.equal(e.code, 'error_inference');
      assert.match(e.message, /DDColor/);
      assert.ok(e.message.includes(deps.config.engines.modelsDir), e.message);
      return true;
    });
  });
});

describe('colorize with operator ONNX weights (DDColor signature)', () => {
  const deps = makeDeps();
  // A constant a/b of (+20, +40): a warm orange tint the test can measure in Lab.
  installLocalModel(deps.config.engines.modelsDir, { name: 'test-ddcolor', role: 'colorize', signature: 'ddcolor', features: ['colorize'], file: 'model.onnx', bytes: tinyColorizeModel([20, 40]) });
  const engine = createColorizeEngine(deps);
  after(() => deps.pool.destroy());

  it('keeps the photo lightness at full resolution and takes colour from the model', async () => {
    assert.equal(engine.availability().available, true);
    const out = await engine.run(job(), makeCtx());
    assert.equal(out[0].meta?.engine, 'test-ddcolor');
    saveArtifact('colorize-camera-tiny-model.png', out[0].data);
    const res = await rgbOf(out[0].data);
    const src = await rgbOf(testFile('camera.png').data);
    assert.equal(res.width, 512);
    assert.equal(res.height, 512);
    let dl = 0, sa = 0, sb = 0, n = 0;
    for (let o = 0; o < res.data.length; o += 3 * 7) {
      const [L0] = labOf(src.data[o], src.data[o + 1], src.data[o + 2]);
      const [L1, a, b] = labOf(res.data[o], res.data[o + 1], res.data[o + 2]);
      // Mid-tones only: at black and white the gamut cannot hold the chroma.
      if (L0 < 25 || L0 > 80) continue;
      dl += Math.abs(L1 - L0); sa += a; sb += b; n++;
    }
    assert.ok(n > 1000);
    assert.ok(dl / n < 3, `lightness kept (mean |dL| ${(dl / n).toFixed(2)})`);
    assert.ok(Math.abs(sa / n - 20) < 4 && Math.abs(sb / n - 40) < 6, `a/b from the model: ${(sa / n).toFixed(1)}, ${(sb / n).toFixed(1)}`);
  });
});
