/**
 * The low-memory paths of issue 14 must give the pictures of the straightforward ones: relighting on a
 * coarse illumination grid in row bands against the full-size guided filter, the color-correct engine
 * (one grade at a time in shared memory) against the all-at-once kernel, and object removal (ring check
 * and membrane base on the hole's neighbourhood, result written into shared memory) against the
 * whole-crop fill and the kernel.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import type { EngineJob } from '../../../src/engines/engine.js';
import { createColorCorrectEngine, gradeAllKernel, GRADES } from '../../../src/engines/pixel/color-correct.js';
import { guidedFilter, relight } from '../../../src/engines/pixel/relight.js';
import { dilateMask, fillHole, membraneBase, settleRing } from '../../../src/engines/pixel/hole-fill.js';
import { createObjectRemovalEngine, maskGrowth } from '../../../src/engines/pixel/object-removal.js';
import { loadRemovalMask } from '../../../src/engines/pixel/mask-input.js';
import { feature } from '../../../src/features/table.js';
import { inpaintPatchMatch } from '../../../src/engines/pixel/patchmatch.js';
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

/**
 * Object removal as fillHole did it before issue 14: the ring check and the membrane base over the
 * whole crop around the hole (about 9 M pixels for a large hole on a 4096² photo), from the same
 * building blocks. fillHole now runs both on the hole's neighbourhood only.
 */
function wholeCropFill(rgb: Uint8Array, w: number, h: number, hole: Uint8Array, dilate: number, radius: number): Uint8Array {
  const { grown } = dilateMask(hole, w, h, dilate);
  let x0 = w, y0 = h, x1 = 0, y1 = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (grown[y * w + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1); }
  const margin = Math.max(48, Math.round(Math.max(x1 - x0, y1 - y0) * 1.2));
  const cx0 = Math.max(0, x0 - margin), cy0 = Math.max(0, y0 - margin), cx1 = Math.min(w, x1 + margin), cy1 = Math.min(h, y1 + margin);
  const cw = cx1 - cx0, ch = cy1 - cy0;
  const crop = new Uint8Array(cw * ch * 3), cropGrown = new Uint8Array(cw * ch), cropUser = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const g = (y + cy0) * w + x + cx0, c = y * cw + x;
    for (let k = 0; k < 3; k++) crop[3 * c + k] = rgb[3 * g + k];
    cropGrown[c] = grown[g];
    cropUser[c] = hole[g];
  }
  const cropHole = settleRing(crop, cropUser, cropGrown, cw, ch, dilate);
  // The patch residual comes over the hole's box; the whole-crop membrane base reads it over the crop.
  const residual = new Float32Array(cw * ch);
  const onResidual = (r: Float32Array, b: { x0: number; y0: number; x1: number; y1: number }) => {
    for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) residual[y * cw + x] = r[(y - b.y0) * (b.x1 - b.x0) + x - b.x0];
  };
  const painted = inpaintPatchMatch({ rgb: crop, width: cw, height: ch, hole: cropHole, deepPyramid: true, onResidual });
  const filled = membraneBase(painted, crop, cropHole, cw, ch, radius, residual);
  const out = Uint8Array.from(rgb);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    const c = y * cw + x, g = (y + cy0) * w + x + cx0;
    if (cropHole[c]) for (let k = 0; k < 3; k++) out[3 * g + k] = filled[3 * c + k];
  }
  return out;
}

describe('object removal on the hole\'s neighbourhood', () => {
  it('gives the whole-crop fill within a few levels where the neighbourhood is a small part of the crop', async () => {
    const w = 1400, h = 1000;
    const { data } = await sharp(testFile('building.jpg').data).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data);
    const hole = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - 640) / 150) ** 2 + ((y - 520) / 110) ** 2 <= 1) hole[y * w + x] = 1;
    const dilate = maskGrowth(w, h), radius = 2 * dilate;
    const got = fillHole({ rgb, width: w, height: h, hole, dilate, detailRadius: radius, settleRing: true });
    const ref = wholeCropFill(rgb, w, h, hole, dilate, radius);
    let se = 0, n = 0, maxDiff = 0, off = 0, outside = 0;
    const { grown } = dilateMask(hole, w, h, dilate);
    for (let p = 0; p < w * h; p++) {
      for (let k = 0; k < 3; k++) {
        const d = got[3 * p + k] - ref[3 * p + k];
        if (!grown[p]) { if (got[3 * p + k] !== rgb[3 * p + k]) outside++; continue; }
        se += d * d; n++; maxDiff = Math.max(maxDiff, Math.abs(d));
        if (Math.abs(d) > 2) off++;
      }
    }
    const psnr = 10 * Math.log10((255 * 255) / Math.max(1e-9, se / n));
    assert.equal(outside, 0, 'pixels outside the grown mask changed');
    const report = `PSNR to the whole-crop fill inside the grown mask ${psnr.toFixed(2)} dB, ${off} of ${n} values more than 2 levels off, largest ${maxDiff}`;
    // Measured: 97.7 dB, largest difference 1 level (the membrane's coarsest grid sees less of the crop).
    assert.ok(psnr > 60 && maxDiff <= 3, report);
  });

  it('reads a one-channel mask as one channel, to the same hole as its RGB copy (8- and 16-bit, PNG and JPEG)', async () => {
    const w = 97, h = 61;
    const gray = Buffer.alloc(w * h);
    for (let i = 0; i < gray.length; i++) gray[i] = (i * 37) % 256;
    const spec = feature('obj-removal');
    const one = sharp(gray, { raw: { width: w, height: h, channels: 1 } });
    const rgbPng = await one.clone().toColourspace('srgb').png().toBuffer();
    assert.equal((await sharp(rgbPng).metadata()).channels, 3);
    const expected = await loadRemovalMask(fileOf(rgbPng, 'm.png', 'image/png'), spec, w, h, 1e8);
    for (const [name, data, type] of [
      ['8-bit PNG', await one.clone().toColourspace('b-w').png().toBuffer(), 'image/png'],
      ['16-bit PNG', await one.clone().toColourspace('grey16').png().toBuffer(), 'image/png'],
    ] as const) {
      assert.equal((await sharp(data).metadata()).channels, 1, name);
      const got = await loadRemovalMask(fileOf(data, 'm', type), spec, w, h, 1e8);
      assert.ok(Buffer.from(got).equals(Buffer.from(expected)), `${name} mask differs from its RGB copy`);
    }
    // JPEG: the one-channel file against the RGB decode of the same file's pixels.
    const jpeg = await one.clone().toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();
    assert.equal((await sharp(jpeg).metadata()).channels, 1);
    const jpegRgb = await sharp(jpeg).toColourspace('srgb').png().toBuffer();
    const fromJpeg = await loadRemovalMask(fileOf(jpeg, 'm.jpg', 'image/jpeg'), spec, w, h, 1e8);
    assert.ok(Buffer.from(fromJpeg).equals(Buffer.from(await loadRemovalMask(fileOf(jpegRgb, 'm.png', 'image/png'), spec, w, h, 1e8))), 'JPEG mask differs from its RGB copy');
  });

  it('writes the engine\'s result into the shared pixels exactly as the kernel computes it', async () => {
    const deps = makeDeps();
    try {
      const { data, info } = await sharp(testFile('messi5.jpg').data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const w = info.width, h = info.height;
      const hole = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (Math.hypot(x - w * 0.45, y - h * 0.6) < h * 0.12) hole[y * w + x] = 1;
      const png = await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
      const mask = await sharp(Buffer.from(hole.map((v) => v * 255)), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
      const job: EngineJob = { taskId: 't', feature: 'obj-removal', files: { src_ids: [fileOf(png, 'in.png', 'image/png')], mask_ids: [fileOf(mask, 'mask.png', 'image/png')] }, params: {}, outputExt: 'png' };
      const [out] = await createObjectRemovalEngine(deps).run(job, makeCtx());
      const dilate = maskGrowth(w, h);
      const expected = fillHole({ rgb: new Uint8Array(data), width: w, height: h, hole, dilate, detailRadius: 2 * dilate, settleRing: true, belonging: true });
      const got = await rgbOf(out.data);
      assert.ok(Buffer.from(expected).equals(got.data), 'the engine result differs from fillHole');
      assert.ok(!Buffer.from(expected).equals(data), 'the fill changed nothing');
    } finally {
      await deps.pool.destroy();
    }
  });
});
