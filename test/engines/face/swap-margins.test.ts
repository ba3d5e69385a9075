import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hardRegionMask, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { identityShape } from '../../../src/engines/face/shape.js';
import { fillDisk, type Point } from '../../../src/engines/face/raster.js';
import { RIGHT_EYE } from '../../../src/engines/face/mesh-regions.js';
import { analysedPhoto, makeDeps, meanUnder, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let astronaut: Rgb;
let face: FaceInfo;
before(async () => ({ img: astronaut, face } = await analysedPhoto(deps, 'astronaut.png')));
after(() => deps.pool.destroy());

/** A point `share` of the face width beyond a feature's end `outer`, on the line from `middle`. */
function beyond(mesh: readonly Point[], outer: number, middle: number, share: number): Point {
  const [ox, oy] = mesh[outer], [mx, my] = mesh[middle];
  const len = Math.hypot(ox - mx, oy - my);
  const d = meshFaceWidth(face) * share;
  return [ox + ((ox - mx) / len) * d, oy + ((oy - my) / len) * d];
}

describe('face swap: a feature\'s margin is not the feature', () => {
  it('leaves a turned reference\'s temple hair beside its eye out of the mirrored far side', () => {
    const fw = meshFaceWidth(face);
    // The reference turned to its right: that half squeezed toward the nose bridge, so the swap draws it
    // from the left half, mirrored. A dark tuft just beyond the left eye's outer corner (temple hair).
    const bridge = face.mesh[168][0];
    // The eye's outline is squeezed upright too, so its openness (gap ÷ width) stays the target's.
    const eye = new Set(RIGHT_EYE);
    const eyeY = RIGHT_EYE.reduce((s, i) => s + face.mesh[i][1], 0) / RIGHT_EYE.length;
    const mesh = face.mesh.map(([x, y], i) => (x < bridge ? [bridge - (bridge - x) * 0.5, eye.has(i) ? eyeY + (y - eyeY) * 0.5 : y] : [x, y]) as [number, number]);
    const data = Buffer.from(astronaut.data);
    const tuft = new Uint8Array(astronaut.width * astronaut.height);
    const [tx, ty] = beyond(face.mesh, 263, 362, 0.03);
    fillDisk(tuft, astronaut.width, astronaut.height, tx, ty, fw * 0.015);
    for (let i = 0; i < tuft.length; i++) if (tuft[i]) data.set([35, 28, 22], i * 3);
    const refFace: FaceInfo = { ...face, mesh };
    const { rgb, reports } = swapFaces({ target: { ...astronaut, channels: 3 }, pairs: [{ ref: { ...astronaut, data, channels: 3 }, refFace, targetFace: face }] });
    assert.ok(reports[0].notes.some((n) => n.includes('right side mirrored')), reports[0].notes.join('; '));
    // Where the mirrored tuft would land: beyond the right eye's outer corner, on the mesh the swap draws into.
    const drawn = identityShape(face, refFace, fw);
    const [mx, my] = beyond(drawn, 33, 133, 0.03);
    const spot = new Uint8Array(tuft.length);
    fillDisk(spot, astronaut.width, astronaut.height, mx, my, fw * 0.02);
    const eyes = hardRegionMask(face, 'eyes', astronaut.width, astronaut.height);
    for (let i = 0; i < spot.length; i++) if (eyes[i]) spot[i] = 0;
    const was = meanUnder(astronaut, spot)[0], now = meanUnder({ ...astronaut, data: Buffer.from(rgb) }, spot)[0];
    assert.ok(now > was - 15, `no dark tuft beside the far eye (red ${was.toFixed(0)} → ${now.toFixed(0)})`);
  });
});
