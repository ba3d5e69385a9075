/**
 * The low-memory paths of issue 14 must give the pictures of the straightforward ones: relighting on a
 * coarse illumination grid in row bands against the full-size guided filter, and the color-correct engine
 * (one grade at a time in shared memory) against the all-at-once kernel.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import type { EngineJob } from '../../../src/engines/engine.js';
import { createColorCorrectEngine, gradeAllKernel, GRADES } from '../../../src/engines/pixel/color-correct.js';
import { guidedFilter, relight } from '../../../src/engines/pixel/relight.js';
import { scaleLinear } from '../../../bench/quality/metrics.js';
import { fileOf, makeCtx, makeDeps, rgbOf, testFile } from './helpers.js';

/** LIME relighting with every plane at full size, as relight.ts did before it went coarse and banded. */
function fullSizeRelight(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const n = w * h, gamma = 0.5, maxGain = 6;
  const lum = new Float32Array(n), bright = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    bright[i] = Math.max(r, g, b) / 255;
    lum[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  const illum = guidedFilter(bright, bright, w, h, Math.max(4, Math.round(Math.min(w, h) * 0.03)), 0.02);
  const chans = [0, 1, 2].map((c) => {
    const ch = new Float32Array(n);
    for (let i = 0; i < n; i++) ch[i] = rgb[3 * i + c] / 255;
    return { raw: ch, smooth: guidedFilter(lum, ch, w, h, 2, 0.0015) };
  });
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.min(1, Math.max(illum[i], bright[i] * 0.5, 1e-3));
    let gain = Math.min(maxGain, 1 / Math.pow(t, 1 - gamma));
    const denoise = Math.min(0.7, (gain - 1) / 4);
    const v = [0, 1, 2].map((c) => chans[c].raw[i] * (1 - denoise) + chans[c].smooth[i] * denoise);
    const peak = Math.max(...v);
    if (peak * gain > 0.97) gain = Math.max(1, 0.97 / Math.max(peak, 1e-3));
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(v[c] * gain * 255)));
  }
  return out;
}

async function darkPhoto(name: string, w: number, h: number) {
  const { data, info } = await sharp(testFile(name).data).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return scaleLinear({ data: new Uint8Array(data), width: info.width, height: info.height }, [0.18, 0.18, 0.18]);
}

function compare(a: Uint8Array, b: Uint8Array): { psnr: number; maxDiff: number } {
  let se = 0, maxDiff = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; se += d * d; maxDiff = Math.max(maxDiff, Math.abs(d)); }
  return { psnr: se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.length)), maxDiff };
}

describe('relighting in bands on a coarse illumination grid', () => {
  it('is exactly the full-size filter up to 1024 px, where the grid is the photo (bands are exact)', async () => {
    // 700 rows: three bands, so two band seams run through the photo.
    const dark = await darkPhoto('home.jpg', 900, 700);
    const got = relight({ rgb: dark.data, width: 900, height: 700 });
    assert.deepEqual(compare(got, fullSizeRelight(dark.data, 900, 700)), { psnr: Infinity, maxDiff: 0 });
  });

  for (const name of ['building.jpg', 'coffee.png']) {
    it(`stays within a few levels of the full-size filter on a 2100 px ${name} (grid 3x coarser)`, async () => {
      const dark = await darkPhoto(name, 2100, 1400);
      const { psnr, maxDiff } = compare(relight({ rgb: dark.data, width: 2100, height: 1400 }), fullSizeRelight(dark.data, 2100, 1400));
      assert.ok(psnr > 45, `PSNR to the full-size filter ${psnr.toFixed(2)} dB`);
      assert.ok(maxDiff <= 6, `largest difference ${maxDiff} levels`);
    });
  }
});

describe('color-correct engine in shared memory', () => {
  const deps = makeDeps();
  const engine = createColorCorrectEngine(deps);
  after(() => deps.pool.destroy());

  it('returns, grade by grade, exactly the pixels of the all-at-once kernel', async () => {
    // A warm cast, so every grade differs from the input.
    const { data, info } = await sharp(testFile('fruits.jpg').data).removeAlpha().linear([1.15, 1, 0.8], [0, 0, 0]).raw().toBuffer({ resolveWithObject: true });
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
    const job: EngineJob = { taskId: 't', feature: 'color-correct', files: { src_ids: [fileOf(png, 'in.png', 'image/png')] }, params: {}, outputExt: 'png' };
    const outs = await engine.run(job, makeCtx());
    const expected = gradeAllKernel({ data, width: info.width, height: info.height, channels: 3 });
    assert.deepEqual(outs.map((o) => o.meta?.grade), [...GRADES]);
    for (const [i, o] of outs.entries()) {
      const got = await rgbOf(o.data);
      assert.ok(got.data.equals(expected[i].data), `${GRADES[i]} differs from the kernel`);
    }
    assert.ok(!expected[1].data.equals(expected[2].data), 'warm and cool must differ');
  });
});
