import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hardRegionMask, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { createFeatureEngine } from '../../../src/engines/registry.js';
import { FACE_OVAL, LEFT_CHEEK_CENTER, LEFT_EYE, LEFT_EYE_OUTER, NOSE_BASE, NOSE_TIP, RIGHT_CHEEK_CENTER, RIGHT_EYE, RIGHT_EYE_OUTER } from '../../../src/engines/face/mesh-regions.js';
import { MIRROR } from '../../../src/engines/face/mesh-symmetry.js';
import { dilate, fillPolygon, type Point } from '../../../src/engines/face/raster.js';
import { judgeSwap, swapArtefacts } from '../../../src/engines/face/swap-check.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { hiddenSide, mirroredShare } from '../../../src/engines/face/swap-pose.js';
import { analysedPhoto, engineFile, makeDeps, meanUnder, photo, runContext, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let astronaut: Rgb;
let face: FaceInfo;
before(async () => ({ img: astronaut, face } = await analysedPhoto(deps, 'astronaut.png')));
after(() => deps.pool.destroy());

const check = (result: Uint8Array, reference?: Uint8Array) => swapArtefacts({ target: astronaut.data, reference, result, width: astronaut.width, height: astronaut.height, face });

/** The eye's area (outline grown by 5 % of the face width) painted with the cheek's mean colour. */
function eyeErased(img: Rgb, eye: readonly number[]): Uint8Array {
  const { width: w, height: h } = img;
  const m = new Uint8Array(w * h);
  fillPolygon(m, w, h, eye.map((i) => face.mesh[i]));
  const area = dilate(m, w, h, Math.round(meshFaceWidth(face) * 0.05));
  const skin = meanUnder(img, hardRegionMask(face, 'cheeks', w, h));
  const out = Uint8Array.from(img.data);
  for (let i = 0; i < area.length; i++) if (area[i]) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(skin[c]);
  return out;
}

/** Half the image shifted sideways by `dx` inside the eye's area: two eyes half over each other. */
function eyeDoubled(img: Rgb, eye: readonly number[], dx: number): { result: Uint8Array; shifted: Uint8Array } {
  const { width: w, height: h } = img;
  const shifted = Uint8Array.from(img.data);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sx = Math.min(w - 1, Math.max(0, x - dx));
    for (let c = 0; c < 3; c++) shifted[(y * w + x) * 3 + c] = img.data[(y * w + sx) * 3 + c];
  }
  const m = new Uint8Array(w * h);
  fillPolygon(m, w, h, eye.map((i) => face.mesh[i]));
  const area = dilate(m, w, h, Math.round(meshFaceWidth(face) * 0.08));
  const result = Uint8Array.from(img.data);
  for (let i = 0; i < area.length; i++) if (area[i]) for (let c = 0; c < 3; c++) result[i * 3 + c] = Math.round((img.data[i * 3 + c] + shifted[i * 3 + c]) / 2);
  return { result, shifted };
}

describe('face swap self-check', () => {
  it('passes an untouched face, finds an erased eye missing and a ghosted eye doubled', () => {
    assert.deepEqual(judgeSwap(check(astronaut.data, astronaut.data)).reasons, []);
    const erased = check(eyeErased(astronaut, RIGHT_EYE), astronaut.data);
    assert.equal(erased.features.find((f) => f.feature === 'right eye')?.verdict, 'missing');
    assert.equal(erased.features.find((f) => f.feature === 'left eye')?.verdict, 'ok');
    const dx = Math.round(meshFaceWidth(face) * 0.07);
    const { result, shifted } = eyeDoubled(astronaut, LEFT_EYE, dx);
    assert.equal(check(result, shifted).features.find((f) => f.feature === 'left eye')?.verdict, 'doubled');
    // Taking the shifted eye whole is one eye, not two.
    assert.notEqual(check(shifted, shifted).features.find((f) => f.feature === 'left eye')?.verdict, 'doubled');
  });

  it('sees a doubled nose only where each nose stands out of its skin texture', () => {
    // Target and reference: the nose's underside flattened to the cheek colour with dark speckles of their
    // own (different in each); the result is half of each. Speckles at the skin's own texture level are
    // texture, not two noses; strong ones, half over each other, are.
    const { width: w, height: h } = astronaut;
    const m = new Uint8Array(w * h);
    fillPolygon(m, w, h, NOSE_BASE.map((i) => face.mesh[i]));
    const area = dilate(m, w, h, Math.max(2, Math.round(meshFaceWidth(face) * 0.03)));
    const skin = meanUnder(astronaut, hardRegionMask(face, 'cheeks', w, h));
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const speckled = (depth: number) => {
      const out = Uint8Array.from(astronaut.data);
      for (let i = 0; i < area.length; i++) {
        if (!area[i]) continue;
        const d = random() < 0.5 ? depth * random() : 0;
        for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(skin[c] * (1 - d));
      }
      return out;
    };
    const nose = (depth: number) => {
      const target = speckled(depth), reference = speckled(depth);
      const result = target.map((v, k) => Math.round((v + reference[k]) / 2));
      return swapArtefacts({ target, reference, result, width: w, height: h, face }).features.find((f) => f.feature === 'nose')!;
    };
    assert.equal(nose(0.05).verdict, 'ok');
    assert.equal(nose(0.9).verdict, 'doubled');
  });

  it('counts a dark blotch pasted on the cheek as off-tone skin and its rim as new edges', () => {
    const { width: w, height: h } = astronaut;
    const blotch = new Uint8Array(w * h);
    const [cx, cy] = face.mesh[50];
    const r = meshFaceWidth(face) * 0.08;
    fillPolygon(blotch, w, h, Array.from({ length: 16 }, (_, k) => [cx + r * Math.cos((k * Math.PI) / 8), cy + r * Math.sin((k * Math.PI) / 8)] as Point));
    const result = Uint8Array.from(astronaut.data);
    for (let i = 0; i < blotch.length; i++) if (blotch[i]) result.set([70, 45, 30], i * 3);
    const a = check(result, astronaut.data);
    assert.ok(a.skinOutlierShare > 0.02, `outliers ${a.skinOutlierShare}`);
    assert.ok(a.newEdgeShare > 0.005, `new edges ${a.newEdgeShare}`);
    assert.equal(judgeSwap(check(astronaut.data, astronaut.data)).pass, true);
  });
});

describe('face swap pose and fallback', () => {
  it('the mesh symmetry pairs the two eyes and is its own inverse', () => {
    assert.equal(MIRROR[RIGHT_EYE_OUTER], LEFT_EYE_OUTER);
    assert.ok(MIRROR.every((j, i) => MIRROR[j] === i));
  });

  it("finds the reference's far side when it is turned further than the target", () => {
    // The subject's left half squeezed toward the nose bridge, as a head turned to its left shows it.
    const mid = face.mesh[168][0];
    const turned: FaceInfo = { ...face, mesh: face.mesh.map(([x, y]) => [x > mid ? mid + (x - mid) * 0.5 : x, y] as [number, number]) };
    const leftIsRight = face.mesh[LEFT_EYE_OUTER][0] > mid;
    assert.equal(hiddenSide(turned, face), leftIsRight ? 'left' : 'right');
    assert.equal(hiddenSide(face, face), undefined);
    // The target turned the same way: nothing is hidden relative to it.
    assert.equal(hiddenSide(turned, turned), undefined);
  });

  it("mirrors the far cheek but never the nose: a turned reference's nose is drawn whole from its own pixels", () => {
    const { width: w, height: h } = astronaut;
    const fw = meshFaceWidth(face);
    const mid = face.mesh[168][0];
    const side = face.mesh[LEFT_EYE_OUTER][0] > mid ? 'left' : 'right';
    const share = mirroredShare(face.mesh, side, w, h, fw);
    const at = (p: readonly number[]) => share[Math.round(p[1]) * w + Math.round(p[0])];
    // The far cheek comes mirrored; the nose — its tip and its flank on the mirrored side — does not.
    const cheek = face.mesh[side === 'left' ? LEFT_CHEEK_CENTER : RIGHT_CHEEK_CENTER];
    assert.equal(at(cheek), 255);
    // Half way from the tip to the nostril's outer edge on the mirrored side.
    const alar = face.mesh[side === 'left' ? 278 : 48];
    const flank = [(face.mesh[NOSE_TIP][0] + alar[0]) / 2, (face.mesh[NOSE_TIP][1] + alar[1]) / 2];
    for (const p of [face.mesh[NOSE_TIP], flank]) assert.ok(at(p) < 30, `mirrored share on the nose ${at(p)}`);
    // Only that half: the near cheek keeps the reference's own pixels.
    assert.equal(at(face.mesh[side === 'left' ? RIGHT_CHEEK_CENTER : LEFT_CHEEK_CENTER]), 0);
  });

  it("conservative mode keeps the target's own features and changes nothing outside the face", () => {
    const { width: w, height: h } = astronaut;
    const ref = { data: new Uint8Array(w * h * 3).fill(200), width: w, height: h, channels: 3 as const };
    const { rgb, reports } = swapFaces({ target: { ...astronaut, channels: 3 }, pairs: [{ ref, refFace: face, targetFace: face, mode: 'conservative' }] });
    assert.equal(reports[0].mode, 'conservative');
    assert.equal(judgeSwap(check(rgb, astronaut.data)).pass, true);
    const oval = new Uint8Array(w * h);
    fillPolygon(oval, w, h, FACE_OVAL.map((i) => face.mesh[i]));
    const outside = dilate(oval, w, h, 2);
    let changed = 0;
    for (let i = 0; i < outside.length; i++) if (!outside[i]) for (let c = 0; c < 3; c++) changed = Math.max(changed, Math.abs(rgb[i * 3 + c] - astronaut.data[i * 3 + c]));
    assert.equal(changed, 0);
  });

  it('reports per face in the result meta whether the full swap was kept', async () => {
    const swap = createFeatureEngine('face-swap', deps);
    const [out] = await swap.run({ taskId: 't', feature: 'face-swap', files: { src_ids: [engineFile(photo('astronaut.png'))], ref_ids: [engineFile(photo('portrait-julia.jpg'), 'ref.png')] }, params: {}, outputExt: 'png' }, runContext(deps));
    const faces = out.meta?.faces as { position: number; swap: string; notes: string[] }[];
    assert.equal(faces.length, 1);
    assert.equal(faces[0].position, 0);
    assert.ok(['full', 'conservative'].includes(faces[0].swap));
    if (faces[0].swap === 'conservative') assert.ok(faces[0].notes.some((n) => n.includes('failed')));
  });
});
