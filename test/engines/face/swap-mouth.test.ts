import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hardRegionMask, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { LIPS_INNER } from '../../../src/engines/face/mesh-regions.js';
import { fillPolygon } from '../../../src/engines/face/raster.js';
import { mouthGap } from '../../../src/engines/face/swap-features.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { analysedPhoto, makeDeps, meanUnder, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let julia: Rgb;
let face: FaceInfo;
before(async () => ({ img: julia, face } = await analysedPhoto(deps, 'portrait-julia.jpg')));
after(() => deps.pool.destroy());

/** The mouth's inner outline (a thin sliver on these shut lips) filled with a colour: lips just parted. */
function parted(img: Rgb, colour: [number, number, number]): { img: Rgb; slit: Uint8Array } {
  const slit = new Uint8Array(img.width * img.height);
  fillPolygon(slit, img.width, img.height, LIPS_INNER.map((i) => face.mesh[i]));
  const data = Buffer.from(img.data);
  for (let i = 0; i < slit.length; i++) if (slit[i]) data.set(colour, i * 3);
  return { img: { ...img, data }, slit };
}

describe('face swap: parted lips over shut ones', () => {
  it('measures the gap between the lips in the face\'s own photo', () => {
    assert.ok(mouthGap({ ...julia, channels: 3 }, face) < 0.015, 'the painting\'s shut lips show no gap');
    assert.ok(mouthGap({ ...parted(julia, [25, 15, 15]).img, channels: 3 }, face) > 0.03, 'a dark slit counts as a gap');
    assert.ok(mouthGap({ ...parted(julia, [235, 235, 225]).img, channels: 3 }, face) > 0.03, 'teeth count as a gap');
  });

  it('keeps the target\'s shut mouth when the reference\'s lips are parted, however little', () => {
    // Same face, same mesh (the openness rule sees no difference): only the slit between the lips differs.
    const { img: ref, slit } = parted(julia, [25, 15, 15]);
    const { rgb, reports } = swapFaces({ target: { ...julia, channels: 3 }, pairs: [{ ref: { ...ref, channels: 3 }, refFace: face, targetFace: face }] });
    assert.ok(reports[0].notes.some((n) => n.includes('lips parted on one face, shut on the other')), reports[0].notes.join('; '));
    const before = meanUnder(julia, slit), afterSwap = meanUnder({ ...julia, data: Buffer.from(rgb) }, slit);
    assert.ok(Math.abs(afterSwap[0] - before[0]) < 6, `the slit stays the target's lips (${before[0].toFixed(0)} → ${afterSwap[0].toFixed(0)})`);
  });
});

describe('face swap: a reference without colour', () => {
  let astronaut: Rgb;
  let astronautFace: FaceInfo;
  before(async () => ({ img: astronaut, face: astronautFace } = await analysedPhoto(deps, 'astronaut.png')));

  it('keeps a coloured target\'s lips: a greyscale face\'s lips cannot be told from its skin by colour', () => {
    const grey = Buffer.from(astronaut.data);
    for (let i = 0; i < grey.length; i += 3) grey.fill(Math.round(0.299 * grey[i] + 0.587 * grey[i + 1] + 0.114 * grey[i + 2]), i, i + 3);
    const { rgb, reports } = swapFaces({ target: { ...astronaut, channels: 3 }, pairs: [{ ref: { ...astronaut, data: grey, channels: 3 }, refFace: astronautFace, targetFace: astronautFace }] });
    assert.ok(reports[0].notes.some((n) => n.includes('reference without colour')), reports[0].notes.join('; '));
    const lips = hardRegionMask(astronautFace, 'lips', astronaut.width, astronaut.height);
    const before = meanUnder(astronaut, lips), afterSwap = meanUnder({ ...astronaut, data: Buffer.from(rgb) }, lips);
    assert.ok(before.every((v, c) => Math.abs(afterSwap[c] - v) < 3), `the lips stay the target's (${before.map((v) => v.toFixed(0))} → ${afterSwap.map((v) => v.toFixed(0))})`);
  });
});
