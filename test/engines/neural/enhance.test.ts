import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Engine, EngineDeps } from '../../../src/engines/engine.js';
import { TaskAbortedError } from '../../../src/engines/errors.js';
import { createEnhanceEngine } from '../../../src/engines/neural/enhance.js';
import { ParamError } from '../../../src/features/check.js';
import { ctx, gradientEnergy, job, photo, psnr, rawOf, saveArtifact } from './helpers.js';

describe('enhance (ESRGAN slim, tiled on the pool)', () => {
  let deps: EngineDeps;
  let engine: Engine;
  before(async () => {
    deps = (await import('./helpers.js')).testDeps({ nsfw: { enabled: false, threshold: 0.7 } });
    engine = createEnhanceEngine(deps);
    await engine.warmUp!();
  });
  after(() => deps.pool.destroy());

  test('x2 is exactly twice the input and recovers detail better than a plain resize', async () => {
    // Halve a real photo, enhance it back, and compare both with the original.
    const original = await sharp(photo('chelsea.png')).extract({ left: 0, top: 0, width: 450, height: 300 }).removeAlpha().raw().toBuffer();
    const small = await sharp(original, { raw: { width: 450, height: 300, channels: 3 } }).resize(225, 150, { kernel: 'cubic' }).png().toBuffer();
    const [out] = await engine.run(job('enhance', small, { scale: 2 }), ctx());
    saveArtifact('enhance-chelsea-x2.png', out.data);
    const sr = await rawOf(out.data);
    assert.equal(sr.width, 450);
    assert.equal(sr.height, 300);
    const psnrSr = psnr(sr.data, original);
    // The model must beat both classic interpolators at restoring the original.
    for (const kernel of ['cubic', 'lanczos3'] as const) {
      const plain = await sharp(small).resize(450, 300, { kernel }).removeAlpha().raw().toBuffer();
      const psnrPlain = psnr(plain, original);
      assert.ok(psnrSr > psnrPlain + 0.5, `PSNR ${psnrSr.toFixed(2)} dB should beat ${kernel} ${psnrPlain.toFixed(2)} dB by 0.5 dB`);
    }
  });

  test('x4 and x1 give exactly scale x input, and alpha is kept', async () => {
    const rgba = await sharp(photo('coffee.png')).resize(96, 64).ensureAlpha().raw().toBuffer();
    // A transparent left half, to see that alpha survives.
    for (let y = 0; y < 64; y++) for (let x = 0; x < 48; x++) rgba[(y * 96 + x) * 4 + 3] = 0;
    const input = await sharp(rgba, { raw: { width: 96, height: 64, channels: 4 } }).png().toBuffer();
    const [x4] = await engine.run(job('enhance', input, { scale: 4 }), ctx());
    const r4 = await rawOf(x4.data);
    assert.deepEqual([r4.width, r4.height, r4.channels, x4.ext], [384, 256, 4, 'png']);
    assert.equal(r4.data[(128 * 384 + 20) * 4 + 3], 0);
    assert.equal(r4.data[(128 * 384 + 360) * 4 + 3], 255);
    const [x1] = await engine.run(job('enhance', photo('rocket.jpg'), { scale: '1' }), ctx());
    const meta = await sharp(photo('rocket.jpg')).metadata();
    const r1 = await rawOf(x1.data);
    assert.deepEqual([r1.width, r1.height, x1.ext], [meta.width, meta.height, 'jpg']);
  });

  test('HEIC input works', async () => {
    const [out] = await engine.run(job('enhance', photo('astronaut.heic'), { scale: 1 }), ctx());
    const r = await rawOf(out.data);
    assert.deepEqual([r.width, r.height], [400, 400]);
    // A HEIC photo has no transparency: it comes back as a JPEG, not an RGBA PNG.
    assert.equal(out.ext, 'jpg');
    // A real photo came back, not a blank frame.
    assert.ok(gradientEnergy(r.data, r.width, r.height, r.channels) > 10);
  });

  test('the contract refuses scales other than 1, 2, 4, naming scale', () => {
    for (const scale of [3, 0, 8, '2x', 2.5, null, undefined]) {
      assert.throws(() => job('enhance', photo('coffee.png'), { scale }), (e) => e instanceof ParamError && e.field === 'scale', String(scale));
    }
  });

  test('aborting stops a running enhance before it finishes', async () => {
    const controller = new AbortController();
    let progressAtAbort = -1;
    let lastProgress = 0;
    const started = Date.now();
    const run = engine.run(job('enhance', photo('building.jpg'), { scale: 4 }), ctx(controller.signal, (f) => {
      lastProgress = f;
      if (f > 0.05 && progressAtAbort < 0) {
        progressAtAbort = f;
        controller.abort();
      }
    }));
    await assert.rejects(run, (e) => e instanceof TaskAbortedError);
    // Queued tiles were dropped: progress never went much past the point of abort.
    assert.ok(lastProgress < 0.5, `progress reached ${lastProgress} after abort at ${progressAtAbort}`);
    console.log(`aborted after ${Date.now() - started} ms at progress ${progressAtAbort.toFixed(2)}`);
  });
});
