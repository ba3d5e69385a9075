import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { analyzeFaces, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { LEFT_EYE, RIGHT_EYE } from '../../../src/engines/face/mesh-regions.js';
import { wearsGlasses } from '../../../src/engines/face/swap-features.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { decodeRgb, makeDeps, photo, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let astronaut: Rgb, julia: Rgb;
let face: FaceInfo, juliaFace: FaceInfo;
before(async () => {
  astronaut = await decodeRgb(photo('astronaut.png'));
  julia = await decodeRgb(photo('portrait-julia.jpg'));
  face = (await analyzeFaces(deps.pool, astronaut)).faces[0];
  juliaFace = (await analyzeFaces(deps.pool, julia)).faces[0];
});
after(() => deps.pool.destroy());

/** Dark glasses drawn on a face: an elliptic rim around each eye and a bridge between them; returns the image and the frame's pixels. */
function withGlasses(img: Rgb, f: FaceInfo): { img: Rgb; frame: Uint8Array } {
  const fw = meshFaceWidth(f);
  const centre = (idx: readonly number[]) => [idx.reduce((s, i) => s + f.mesh[i][0], 0) / idx.length, idx.reduce((s, i) => s + f.mesh[i][1], 0) / idx.length];
  const [a, b] = [centre(RIGHT_EYE), centre(LEFT_EYE)];
  const [rx, ry, th] = [fw * 0.2, fw * 0.13, Math.max(2, fw * 0.02)];
  const data = Buffer.from(img.data);
  const frame = new Uint8Array(img.width * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const rim = [a, b].some(([cx, cy]) => Math.abs(Math.hypot((x - cx) / rx, (y - cy) / ry) - 1) * ry < th / 2);
      const bridge = Math.abs(x - (a[0] + b[0]) / 2) <= Math.abs(b[0] - a[0]) / 2 - rx + 1 && Math.abs(y - ((a[1] + b[1]) / 2 - ry * 0.3)) < th / 2;
      if (rim || bridge) {
        frame[y * img.width + x] = 1;
        data.set([25, 25, 30], (y * img.width + x) * 3);
      }
    }
  }
  return { img: { ...img, data }, frame };
}

const meanL = (img: Rgb | Uint8Array, mask: Uint8Array) => {
  const d = img instanceof Uint8Array ? img : img.data;
  let s = 0, n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) (s += (d[i * 3] + d[i * 3 + 1] + d[i * 3 + 2]) / 3), n++;
  return s / n;
};

describe('face swap: glasses', () => {
  it('tells a face with glasses from the same face without', () => {
    assert.equal(wearsGlasses({ ...astronaut, channels: 3 }, face), false);
    assert.equal(wearsGlasses({ ...julia, channels: 3 }, juliaFace), false);
    assert.equal(wearsGlasses({ ...withGlasses(astronaut, face).img, channels: 3 }, face), true);
    assert.equal(wearsGlasses({ ...withGlasses(julia, juliaFace).img, channels: 3 }, juliaFace), true);
  });

  it("keeps a target's glasses whole instead of painting the reference's skin over their frames", () => {
    const { img: target, frame } = withGlasses(astronaut, face);
    const { rgb, reports } = swapFaces({ target: { ...target, channels: 3 }, pairs: [{ ref: { ...julia, channels: 3 }, refFace: juliaFace, targetFace: face }] });
    assert.ok(reports[0].notes.some((n) => n.includes('glasses on the target')), reports[0].notes.join('; '));
    const before = meanL(target, frame), after = meanL(rgb, frame);
    assert.ok(after - before < 8, `the frames faded: mean ${before.toFixed(0)} → ${after.toFixed(0)}`);
  });
});
