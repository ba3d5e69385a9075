import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import type { EngineJob } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { createColorCorrectEngine, GRADES } from '../../../src/engines/pixel/color-correct.js';
import { createLightingEngine } from '../../../src/engines/pixel/lighting.js';
import { meanDeltaE2000, scaleLinear } from '../../../bench/quality/metrics.js';
import { dominantColourScenes } from '../../../bench/quality/photo-sets.js';
import { fileOf, makeCtx, makeDeps, rgbOf, saveArtifact, testFile } from './helpers.js';

type Img = { data: Buffer; width: number; height: number };
const luminance = (img: Img) => {
  let s = 0;
  for (let o = 0; o < img.data.length; o += 3) s += 0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2];
  return s / (img.data.length / 3);
};
const clippedFraction = (img: Img) => {
  let n = 0;
  for (let o = 0; o < img.data.length; o += 3) if (Math.max(img.data[o], img.data[o + 1], img.data[o + 2]) >= 254) n++;
  return n / (img.data.length / 3);
};
/** Mean absolute difference from the 3x3 mean: fine-grain energy (noise and texture). */
const grain = (img: Img) => {
  const { width: w, height: h } = img;
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const o = (y * w + x) * 3 + 1;
    let m = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += img.data[o + (dy * w + dx) * 3];
    s += Math.abs(img.data[o] - m / 9); n++;
  }
  return s / n;
};

/** An under-exposed version of a real photo, with a few blown highlights kept from the original. */
async function underExposed(name: string): Promise<Buffer> {
  const { data, info } = await sharp(testFile(name).data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const dark = Buffer.from(data.map((v) => Math.round(255 * (v / 255) ** 2.2 * 0.6)));
  // A bright window in the corner: it must not clip after brightening.
  for (let y = 10; y < 40; y++) for (let x = 10; x < 60; x++) for (let c = 0; c < 3; c++) dark[(y * info.width + x) * 3 + c] = 235 + c * 5;
  return sharp(dark, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
}

describe('photo lighting', () => {
  const deps = makeDeps();
  const engine = createLightingEngine(deps, { faceAware: false });
  after(() => deps.pool.destroy());
  const job = (data: Buffer): EngineJob => ({ taskId: 't', feature: 'lighting', files: { src_ids: [fileOf(data, 'in.png', 'image/png')] }, params: {}, outputExt: 'png' });

  for (const name of ['home.jpg', 'coffee.png']) {
    it(`brightens an under-exposed ${name} without clipping highlights or blowing up noise`, async () => {
      const dark = await underExposed(name);
      const out = await engine.run(job(dark), makeCtx());
      saveArtifact(`lighting-${name}-before.png`, dark);
      saveArtifact(`lighting-${name}-after.png`, out[0].data);
      const before = await rgbOf(dark);
      const after = await rgbOf(out[0].data);
      assert.equal(after.width, before.width);
      const lb = luminance(before), la = luminance(after);
      assert.ok(la > lb * 1.4, `mean luminance ${lb.toFixed(1)} -> ${la.toFixed(1)}`);
      assert.ok(clippedFraction(after) <= clippedFraction(before) + 0.001, `clipped ${clippedFraction(before)} -> ${clippedFraction(after)}`);
      // The bright window keeps its values (no clipping, no shift).
      const o = (25 * before.width + 30) * 3;
      assert.ok(after.data[o + 2] < 254 && Math.abs(after.data[o] - before.data[o]) <= 6, `window ${before.data.subarray(o, o + 3).join(',')} -> ${after.data.subarray(o, o + 3).join(',')}`);
      // Fine grain grows less than brightness does: noise is not amplified with the gain.
      const gb = grain(before), ga = grain(after);
      assert.ok(ga / gb < (la / lb) * 0.9, `grain ${gb.toFixed(2)} -> ${ga.toFixed(2)} while luminance x${(la / lb).toFixed(2)}`);
    });
  }

  it('leaves a well-exposed photo close to the original', async () => {
    const src = testFile('building.jpg');
    const out = await engine.run({ ...job(src.data), files: { src_ids: [src] } }, makeCtx());
    const before = await rgbOf(src.data), after = await rgbOf(out[0].data);
    assert.ok(Math.abs(luminance(after) - luminance(before)) < 30, `${luminance(before).toFixed(1)} -> ${luminance(after).toFixed(1)}`);
  });

  it('rejects a photo whose short side is under 256 px', async () => {
    const small = await sharp(testFile('home.jpg').data).resize(300, 200, { fit: 'fill' }).jpeg().toBuffer();
    await assert.rejects(engine.run(job(small), makeCtx()), (e: EngineError) => e.code === 'invalid_parameter');
  });
});

describe('face-aware lighting', () => {
  const deps = makeDeps();
  const faceAware = createLightingEngine(deps);
  const plain = createLightingEngine(deps, { faceAware: false });
  after(() => deps.pool.destroy());

  it('lifts a face that stays dark after global relighting, and only around the face', async () => {
    const dark = await underExposed('astronaut.png');
    const job: EngineJob = { taskId: 't', feature: 'lighting', files: { src_ids: [fileOf(dark, 'in.png', 'image/png')] }, params: {}, outputExt: 'png' };
    const [a] = await faceAware.run(job, makeCtx());
    const [b] = await plain.run(job, makeCtx());
    saveArtifact('lighting-astronaut-face-aware.png', a.data);
    saveArtifact('lighting-astronaut-global.png', b.data);
    const fa = await rgbOf(a.data), pl = await rgbOf(b.data);
    let changed = 0, sx = 0, sy = 0, gain = 0;
    for (let y = 0; y < fa.height; y++) for (let x = 0; x < fa.width; x++) {
      const o = (y * fa.width + x) * 3;
      const d = fa.data[o] + fa.data[o + 1] + fa.data[o + 2] - pl.data[o] - pl.data[o + 1] - pl.data[o + 2];
      assert.ok(d >= -3, 'never darker');
      if (d > 6) { changed++; sx += x; sy += y; gain += d / 3; }
    }
    assert.ok(changed > 2000, `face area lifted (${changed} px)`);
    assert.ok(changed < fa.width * fa.height * 0.25, `only around the face (${changed} px)`);
    // astronaut.png's face sits around (250, 150).
    const cx = sx / changed, cy = sy / changed;
    assert.ok(Math.abs(cx - 250) < 60 && Math.abs(cy - 150) < 70, `lift centred on the face: (${cx.toFixed(0)}, ${cy.toFixed(0)})`);
    assert.ok(clippedFraction(fa) <= clippedFraction(pl) + 0.001);
  });
});

describe('color correction grades', () => {
  const deps = makeDeps();
  const engine = createColorCorrectEngine(deps);
  after(() => deps.pool.destroy());
  const run = async (png: Buffer) => engine.run({ taskId: 't', feature: 'color-correct', files: { src_ids: [fileOf(png, 'in.png', 'image/png')] }, params: {}, outputExt: 'png' }, makeCtx());
  const rgb = async (data: Buffer) => { const r = await rgbOf(data); return { data: new Uint8Array(r.data), width: r.width, height: r.height }; };
  const png = (img: { data: Uint8Array; width: number; height: number }) => sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();

  it('returns neutral, warm, cool and vivid results of the same size; neutral removes most of a known cast', async () => {
    // building.jpg under a bluish light: channel gains applied in linear light, as a real cast is.
    const original = await rgb(testFile('building.jpg').data);
    const cast = scaleLinear(original, [0.8, 1, 1.25]);
    const input = await png(cast);
    const out = await run(input);
    assert.equal(out.length, GRADES.length);
    const imgs = await Promise.all(out.map((o) => rgb(o.data)));
    out.forEach((o, i) => {
      assert.equal(o.meta?.grade, GRADES[i]);
      saveArtifact(`color-correct-${GRADES[i]}.png`, o.data);
    });
    saveArtifact('color-correct-input.png', input);
    for (const img of imgs) { assert.equal(img.width, original.width); assert.equal(img.height, original.height); }
    const [neutral, warm, cool, vivid] = imgs;
    const before = meanDeltaE2000(cast, original), afterFix = meanDeltaE2000(neutral, original);
    assert.ok(afterFix < before * 0.5, `ΔE2000 to the original: cast ${before.toFixed(2)} -> neutral ${afterFix.toFixed(2)}`);
    const mean = (img: Img | typeof neutral, c: number) => { let s = 0; for (let o = c; o < img.data.length; o += 3) s += img.data[o]; return s / (img.data.length / 3); };
    assert.ok(mean(warm, 0) - mean(warm, 2) > mean(neutral, 0) - mean(neutral, 2) + 5, 'warm is warmer');
    assert.ok(mean(cool, 2) - mean(cool, 0) > mean(neutral, 2) - mean(neutral, 0) + 5, 'cool is cooler');
    const chroma = (img: typeof neutral) => { let s = 0; for (let o = 0; o < img.data.length; o += 3) s += Math.max(img.data[o], img.data[o + 1], img.data[o + 2]) - Math.min(img.data[o], img.data[o + 1], img.data[o + 2]); return s; };
    assert.ok(chroma(vivid) > chroma(neutral) * 1.15, 'vivid is more saturated');
  });

  // Do no harm: a photo without a cast, including scenes one colour dominates (a grass pitch, a ginger
  // cat, a coffee cup on a red table), comes back as it was.
  for (const name of ['building.jpg', 'messi5.jpg', 'chelsea.png', 'coffee.png']) {
    it(`leaves ${name}, which has no cast, as it is (ΔE2000 ≤ 3)`, async () => {
      const original = await rgb(testFile(name).data);
      const [neutral] = await run(await png(original));
      saveArtifact(`color-correct-nocast-${name}.png`, neutral.data);
      const moved = meanDeltaE2000(await rgb(neutral.data), original);
      assert.ok(moved <= 3, `${name} moved by ΔE2000 ${moved.toFixed(2)}`);
    });
  }

  it('leaves a red object on a gray wall as it is, and still corrects a photo under a warm light', async () => {
    // Both illuminant estimates read the object's red as the light; the wall's own neutral grays say otherwise.
    const scene = (await dominantColourScenes()).find((s) => s.name.includes('red'))!.image;
    const [kept] = await run(await png(scene));
    saveArtifact('color-correct-red-object.png', kept.data);
    const moved = meanDeltaE2000(await rgb(kept.data), scene);
    assert.ok(moved <= 1, `no-cast scene moved by ΔE2000 ${moved.toFixed(2)}`);
    const building = await rgb(testFile('building.jpg').data);
    const cast = scaleLinear(building, [1.25, 1, 0.8]);
    const [fixed] = await run(await png(cast));
    const before = meanDeltaE2000(cast, building), afterFix = meanDeltaE2000(await rgb(fixed.data), building);
    assert.ok(afterFix < before * 0.7, `warm cast on building.jpg: ΔE2000 ${before.toFixed(2)} -> ${afterFix.toFixed(2)}`);
  });
});
