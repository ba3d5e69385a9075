import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { checkParams } from '../../../src/features/check.js';
import { analyzeFaces, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { LEFT_CHEEK_CENTER, RIGHT_CHEEK_CENTER } from '../../../src/engines/face/mesh-regions.js';
import { createFeatureEngine } from '../../../src/engines/registry.js';
import { ARTIFACTS, decodeRgb, encodePng, engineFile, makeDeps, photo, runContext, type Rgb, widestFace } from './fixtures.js';

const deps = makeDeps(2);
const swap = createFeatureEngine('face-swap', deps);
const ctx = runContext(deps);
const runSwap = async (target: Buffer, ref: Buffer) =>
  (await swap.run({ taskId: 't', feature: 'face-swap', files: { src_ids: [engineFile(target)], ref_ids: [engineFile(ref, 'ref.png')] }, params: checkParams('face-swap', {}, { files: { src_ids: 1, ref_ids: 1 } }), outputExt: 'png' }, ctx))[0];

/** Mean of the three channels of b − a over the pixels within `radius` of any of `points`. */
function meanChange(a: Rgb, b: Rgb, points: readonly [number, number][], radius: number): { change: number; n: number } {
  let sum = 0, n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (Math.min(...points.map(([px, py]) => Math.hypot(x - px, y - py))) > radius) continue;
      n++;
      for (let c = 0; c < 3; c++) sum += b.data[(y * a.width + x) * 3 + c] - a.data[(y * a.width + x) * 3 + c];
    }
  }
  return { change: sum / Math.max(1, n) / 3, n };
}

let ref: Rgb;
let refFace: FaceInfo;
let astronautFace: FaceInfo;
/** group-4's most frontal face as its own photo (a photographed face with a clear nose bridge). */
before(async () => {
  const group = await decodeRgb(photo('group-4.jpg'));
  const frontal = (await analyzeFaces(deps.pool, group)).faces.reduce((b, f) => (Math.abs(f.yaw) < Math.abs(b.yaw) ? f : b));
  const fw = meshFaceWidth(frontal);
  const [cx, cy] = frontal.mesh[1];
  const left = Math.max(0, Math.round(cx - fw * 1.5)), top = Math.max(0, Math.round(cy - fw * 1.7));
  const crop = await sharp(Buffer.from(group.data), { raw: { width: group.width, height: group.height, channels: 3 } })
    .extract({ left, top, width: Math.min(group.width - left, Math.round(fw * 3)), height: Math.min(group.height - top, Math.round(fw * 3.4)) })
    .png()
    .toBuffer();
  ref = await decodeRgb(crop);
  refFace = await widestFace(deps, ref);
  astronautFace = await widestFace(deps, await decodeRgb(photo('astronaut.png')));
});
after(() => deps.pool.destroy());

describe("face swap: the reference's form without its light", () => {
  it('brings a dark hollow painted on the reference\'s cheeks, not a white flash stripe painted down its nose', async () => {
    const fw = meshFaceWidth(refFace);
    const bridge = [168, 6, 197, 195, 5].map((i) => refFace.mesh[i]);
    const cheeks = [RIGHT_CHEEK_CENTER, LEFT_CHEEK_CENTER].map((i) => refFace.mesh[i]);
    const painted = Buffer.from(ref.data);
    for (let y = 0; y < ref.height; y++) {
      for (let x = 0; x < ref.width; x++) {
        const k = (y * ref.width + x) * 3;
        // Form: a soft hollow, the skin's own colour in less light (every channel scaled alike).
        const hollow = Math.max(0, 1 - Math.min(...cheeks.map(([px, py]) => Math.hypot(x - px, y - py))) / (fw * 0.15));
        // Light: a narrow stripe of the flash's white added along the bridge.
        const stripe = Math.max(0, 1 - Math.min(...bridge.map(([px, py]) => Math.hypot(x - px, y - py))) / (fw * 0.05));
        for (let c = 0; c < 3; c++) painted[k + c] = Math.min(255, Math.round(ref.data[k + c] * (1 - 0.3 * hollow) + 30 * stripe));
      }
    }
    const plain = await runSwap(photo('astronaut.png'), await encodePng(ref));
    const lit = await runSwap(photo('astronaut.png'), await encodePng({ ...ref, data: painted }));
    writeFileSync(path.join(ARTIFACTS, 'swap-hollow-and-stripe-reference.png'), lit.data);
    const a = await decodeRgb(plain.data), b = await decodeRgb(lit.data);
    const tfw = meshFaceWidth(astronautFace);
    const cheek = meanChange(a, b, [RIGHT_CHEEK_CENTER, LEFT_CHEEK_CENTER].map((i) => astronautFace.mesh[i]), tfw * 0.04);
    const nose = meanChange(a, b, [168, 6, 197, 195, 5].map((i) => astronautFace.mesh[i]), tfw * 0.03);
    assert.ok(cheek.n > 50 && nose.n > 100, 'measured areas too small');
    // The hollow took up to 30 % of the reference's levels there; the symmetric limit kept about a
    // level of it, the form's dark side keeps most.
    assert.ok(cheek.change < -5, `the cheek hollow came out ${cheek.change.toFixed(1)} levels`);
    assert.ok(nose.change < 7, `the nose bridge came out ${nose.change.toFixed(1)} levels brighter`);
  });
});
