import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { hardRegionMask, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { detailGains } from '../../../src/engines/face/swap-detail.js';
import { boxBlur, dilate } from '../../../src/engines/face/raster.js';
import { analysedPhoto, makeDeps, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let astronaut: Rgb;
let face: FaceInfo;
before(async () => ({ img: astronaut, face } = await analysedPhoto(deps, 'astronaut.png')));
after(() => deps.pool.destroy());

async function blurred(img: Rgb, sigma: number): Promise<Rgb> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).blur(sigma).raw().toBuffer();
  return { ...img, data };
}

/** The same photo with grain: a fixed pseudo-random ±amplitude added to each pixel's grey level. */
function grainy(img: Rgb, amplitude: number): Rgb {
  const data = Buffer.from(img.data);
  let seed = 12345;
  for (let i = 0; i < img.width * img.height; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const d = ((seed / 0x7fffffff) * 2 - 1) * amplitude;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(data[i * 3 + c] + d)));
  }
  return { ...img, data };
}

/** Mean squared finest detail (grey minus its small blur) over a mask: how sharp or grainy a place is. */
function fineEnergy(img: Rgb, mask: Uint8Array): number {
  const n = img.width * img.height;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = (img.data[i * 3] + img.data[i * 3 + 1] + img.data[i * 3 + 2]) / 3;
  const low = Float32Array.from(grey);
  boxBlur(low, img.width, img.height, 1);
  let e = 0, k = 0;
  for (let i = 0; i < n; i++) if (mask[i]) (e += (grey[i] - low[i]) ** 2), k++;
  return e / Math.max(1, k);
}

function swap(target: Rgb, ref: Rgb): { out: Rgb; notes: string[] } {
  const { rgb, reports } = swapFaces({ target: { ...target, channels: 3 }, pairs: [{ ref: { ...ref, channels: 3 }, refFace: face, targetFace: face }] });
  return { out: { ...target, data: Buffer.from(rgb) }, notes: reports[0].notes };
}

describe('face swap: the reference\'s detail is brought to the target\'s level', () => {
  it('gives a soft target soft eyes, not the sharp reference\'s', async () => {
    const target = await blurred(astronaut, 1.5);
    const { out, notes } = swap(target, astronaut);
    const { width: w, height: h } = astronaut;
    const eyes = dilate(hardRegionMask(face, 'eyes', w, h), w, h, Math.round(meshFaceWidth(face) * 0.03));
    const [t, r, o] = [fineEnergy(target, eyes), fineEnergy(astronaut, eyes), fineEnergy(out, eyes)];
    // Nearer the target's than the reference's (on a log scale): the eyes look painted-in-place, not pasted.
    assert.ok(Math.log(o / t) < 0.5 * Math.log(r / t), `eye detail ${o.toFixed(1)} (target ${t.toFixed(1)}, reference ${r.toFixed(1)})`);
    assert.ok(notes.some((n) => n.includes('fine detail softened')), notes.join('; '));
  });

  it('leaves a grainy reference\'s grain out of a clean target\'s skin', () => {
    const ref = grainy(astronaut, 18);
    const { out } = swap(astronaut, ref);
    const { width: w, height: h } = astronaut;
    const cheeks = hardRegionMask(face, 'cheeks', w, h);
    const [t, r, o] = [fineEnergy(astronaut, cheeks), fineEnergy(ref, cheeks), fineEnergy(out, cheeks)];
    assert.ok(Math.log(o / t) < 0.5 * Math.log(r / t), `cheek grain ${o.toFixed(1)} (target ${t.toFixed(1)}, reference ${r.toFixed(1)})`);
  });

  it('never sharpens: a reference softer than the target keeps its own detail', () => {
    const soft = { skin: [1, 0.5], features: [4, 3, 8] };
    const sharp = { skin: [4, 2], features: [30, 10, 9] };
    assert.deepEqual(detailGains(sharp, soft), { skin: [1, 1], features: [1, 1] });
    const g = detailGains(soft, sharp);
    assert.ok(g.skin.every((v) => v < 1) && g.features.every((v) => v < 1), JSON.stringify(g));
  });
});
