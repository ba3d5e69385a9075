import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Engine, EngineDeps } from '../../../src/engines/engine.js';
import { TaskAbortedError } from '../../../src/engines/errors.js';
import { areaDownscale, cubicUpscale } from '../../../src/engines/neural/backproject.js';
import { createEnhanceEngine, shippedModel } from '../../../src/engines/neural/enhance.js';
import { blockiness } from '../../../src/engines/neural/restore.js';
import { checkParams, ParamError } from '../../../src/features/check.js';
import { ctx, gradientEnergy, job, photo, psnr, rawOf, saveArtifact } from './helpers.js';

describe('enhance (RDN psnr-small x2 / ESRGAN slim x4, tiled on the pool)', () => {
  let deps: EngineDeps;
  let engine: Engine;
  before(async () => {
    deps = (await import('./helpers.js')).testDeps({ nsfw: { enabled: false, threshold: 0.7 } });
    engine = createEnhanceEngine(deps);
    await engine.warmUp!();
  });
  after(() => deps.pool.destroy());

  test('x2 is exactly twice the input and recovers more of the original than a plain cubic enlargement', async () => {
    // Halve a real photo by area averaging (how photos get small), enhance it back, compare with the original.
    const original = await sharp(photo('chelsea.png')).extract({ left: 0, top: 0, width: 450, height: 300 }).removeAlpha().raw().toBuffer();
    const halved = areaDownscale(Float32Array.from(original), 450, 300, 3, 2);
    const smallRaw = Buffer.from(Uint8Array.from(halved, (v) => Math.round(v)));
    const small = await sharp(smallRaw, { raw: { width: 225, height: 150, channels: 3 } }).png().toBuffer();
    const [out] = await engine.run(job('enhance', small, { scale: 2 }), ctx());
    saveArtifact('enhance-chelsea-x2.png', out.data);
    const sr = await rawOf(out.data);
    assert.equal(sr.width, 450);
    assert.equal(sr.height, 300);
    const psnrSr = psnr(sr.data, original);
    // Centre-aligned cubic (sharp 0.34 enlarges with a misaligned interpolator whatever its kernel, so it is no fair reference).
    const cubic = Buffer.from(Uint8Array.from(cubicUpscale(Float32Array.from(smallRaw), 225, 150, 3, 2), (v) => Math.max(0, Math.min(255, Math.round(v)))));
    const psnrCubic = psnr(cubic, original);
    // The PSNR-trained x2 network: +0.72 dB here, where the GAN-trained slim gave +0.47.
    assert.equal(out.meta?.engine, 'esrgan-psnr-small-x2');
    assert.ok(psnrSr > psnrCubic + 0.6, `PSNR ${psnrSr.toFixed(2)} dB should beat cubic ${psnrCubic.toFixed(2)} dB by 0.6`);
    // Back-projected: shrunk again, the result is the input (within rounding).
    const again = areaDownscale(Float32Array.from(sr.data), 450, 300, 3, 2);
    let worst = 0;
    for (let i = 0; i < again.length; i++) worst = Math.max(worst, Math.abs(again[i] - smallRaw[i]));
    assert.ok(worst <= 12, `area shrink of the result differs from the input by up to ${worst}`);
  });

  test('x2 of a photo above the PSNR network\'s size limit runs slim, and meta says why', async () => {
    const small = await sharp(photo('fruits.jpg')).resize(48, 40).png().toBuffer();
    const withLimit = (n: number) => ({ ...deps, config: { ...deps.config, engines: { ...deps.config.engines, enhanceFidelityMaxPixels: n } } });
    const limited = createEnhanceEngine(withLimit(48 * 40 - 1), 'slim');
    const [over] = await limited.run(job('enhance', small, { scale: 2 }), ctx());
    assert.equal(over.meta?.engine, "esrgan-slim-x2 (photo 1920 px above esrgan-psnr-small-x2's 1919 px)");
    const [under] = await createEnhanceEngine(withLimit(48 * 40), 'slim').run(job('enhance', small, { scale: 2 }), ctx());
    assert.equal(under.meta?.engine, 'esrgan-psnr-small-x2');
    const a = await rawOf(over.data);
    const b = await rawOf(under.data);
    assert.deepEqual([a.width, a.height, b.width, b.height], [96, 80, 96, 80]);
    assert.notDeepEqual(a.data, b.data, 'two different networks ran');
  });

  test('without the psnr-small package x2 runs slim and says why; x4 and medium never use psnr-small', () => {
    assert.deepEqual(shippedModel('slim', 2, 1000, 1000), { model: 'esrgan-psnr-small-x2' });
    assert.deepEqual(shippedModel('slim', 2, 1000, 1000, false), { model: 'esrgan-slim-x2', why: 'esrgan-psnr-small-x2 not installed' });
    assert.deepEqual(shippedModel('slim', 4, 1000, 1000), { model: 'esrgan-slim-x4' });
    assert.deepEqual(shippedModel('medium', 2, 1000, 1000), { model: 'esrgan-medium-x2' });
  });

  test('x1 sharpens a softened photo towards the original and leaves a block-compressed one as it is', async () => {
    const clean = await sharp(photo('fruits.jpg')).resize(320, 240).removeAlpha().raw().toBuffer();
    const rawPhoto = (b: Buffer) => sharp(b, { raw: { width: 320, height: 240, channels: 3 } });
    const soft = await rawPhoto(clean).blur(1).png().toBuffer();
    const [sharpened] = await engine.run(job('enhance', soft, { scale: 1 }), ctx());
    const softRaw = await rawOf(soft);
    const outRaw = await rawOf(sharpened.data);
    assert.ok(psnr(outRaw.data, clean) > psnr(softRaw.data, clean) + 0.2, `x1 ${psnr(outRaw.data, clean).toFixed(2)} dB vs soft input ${psnr(softRaw.data, clean).toFixed(2)} dB`);
    // Sharpening would amplify JPEG blocks: such a photo comes back unchanged.
    const blocky = await rawPhoto(clean).jpeg({ quality: 30 }).toBuffer();
    const [kept] = await engine.run(job('enhance', blocky, { scale: 1 }, 'png'), ctx());
    assert.ok(blockiness((await rawOf(blocky)).data, 320, 240) > 1.15);
    assert.deepEqual((await rawOf(kept.data)).data, (await rawOf(blocky)).data);
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
    const [x1] = await engine.run(job('enhance', photo('rocket.jpg'), { scale: 1 }), ctx());
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

  test('scales other than 1, 2, 4 are refused by the feature contract before any engine runs', () => {
    for (const scale of [3, 0, 8, '2x', 2.5, null, undefined]) {
      assert.throws(() => checkParams('enhance', { scale }, { files: { src_ids: 1 } }), ParamError, String(scale));
    }
    assert.deepEqual(checkParams('enhance', { scale: 4 }, { files: { src_ids: 1 } }), { scale: 4 });
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
