/** The classical swap's destination geometry: the target's expression and outline, the reference's proportions between them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyzeFaces, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { FACE_OVAL, LEFT_EYE, LIPS_INNER, LIPS_OUTER, NOSE_TIP, RIGHT_EYE } from '../../../src/engines/face/mesh-regions.js';
import { identityShape } from '../../../src/engines/face/shape.js';
import { decodeRgb, makeDeps, photo } from './fixtures.js';

const deps = makeDeps(1);
let target: FaceInfo;
before(async () => {
  target = (await analyzeFaces(deps.pool, await decodeRgb(photo('astronaut.png')))).faces[0];
});
after(() => deps.pool.destroy());

/** A reference that is the target moved, scaled and turned in the image, with its nose tip `drop` face widths lower. */
function reference(drop: number): FaceInfo {
  const fw = meshFaceWidth(target);
  const [nx, ny] = target.mesh[NOSE_TIP];
  const c = Math.cos(0.2), s = Math.sin(0.2);
  const mesh = target.mesh.map(([x, y]) => {
    // Points near the nose tip move most (a longer nose), fading out within a fifth of the face.
    const k = Math.max(0, 1 - Math.hypot(x - nx, y - ny) / (fw * 0.2));
    const [px, py] = [x, y + k * drop * fw];
    return [1.5 * (c * px - s * py) + 40, 1.5 * (s * px + c * py) - 25] as [number, number];
  });
  return { ...target, mesh };
}

describe('identity shape', () => {
  it("keeps the target's eyes, lips and face outline exactly and moves the nose to the reference's proportions", () => {
    const fw = meshFaceWidth(target);
    const shape = identityShape(target, reference(0.06), fw);
    for (const i of [...RIGHT_EYE, ...LEFT_EYE, ...LIPS_OUTER, ...LIPS_INNER, ...FACE_OVAL]) assert.deepEqual(shape[i], target.mesh[i], `point ${i} moved`);
    const moved = shape[NOSE_TIP][1] - target.mesh[NOSE_TIP][1];
    // The reference's nose tip is 6 % of the face width lower relative to its eyes and mouth; the shape follows most of it.
    assert.ok(moved > fw * 0.03 && moved < fw * 0.065, `nose tip moved ${(moved / fw * 100).toFixed(1)} % of the face width`);
  });

  it('the same face, moved, scaled and turned in its photo, gives the target mesh back', () => {
    const fw = meshFaceWidth(target);
    const same = identityShape(target, reference(0), fw);
    same.forEach((p, i) => assert.ok(Math.hypot(p[0] - target.mesh[i][0], p[1] - target.mesh[i][1]) < 1e-6, `point ${i}`));
  });
});
