import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hardRegionMask, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { swapFaces } from '../../../src/engines/face/swap-kernel.js';
import { cleanSkinTone, keptFeatures } from '../../../src/engines/face/swap-features.js';
import { LEFT_BROW, MESH_POINTS_WITHOUT_IRIS } from '../../../src/engines/face/mesh-regions.js';
import { rgbToLab } from '../../../src/engines/lab.js';
import { fillPolygon, type Point } from '../../../src/engines/face/raster.js';
import { analysedPhoto, makeDeps, meanUnder, type Rgb } from './fixtures.js';

const deps = makeDeps(1);
let astronaut: Rgb;
let face: FaceInfo;
before(async () => ({ img: astronaut, face } = await analysedPhoto(deps, 'astronaut.png')));
after(() => deps.pool.destroy());

/** The same face with its brows painted near-black, and a mesh whose eyes are shut (upper lids on the lower). */
function darkBrowsShutEyes(pitch = face.pitch): { ref: Rgb; refFace: FaceInfo; brows: Uint8Array } {
  const brows = hardRegionMask(face, 'brows', astronaut.width, astronaut.height);
  const data = Buffer.from(astronaut.data);
  for (let i = 0; i < brows.length; i++) if (brows[i]) data.set([28, 22, 18], i * 3);
  const mesh = face.mesh.map((p) => [p[0], p[1]] as [number, number]);
  for (const [upper, lower] of [[159, 145], [158, 153], [160, 144], [386, 374], [385, 380], [387, 373]]) mesh[upper] = [...mesh[lower]] as [number, number];
  return { ref: { ...astronaut, data }, refFace: { ...face, mesh, pitch }, brows };
}

describe('face swap: the reference\'s brows come whole when only the eyes below differ', () => {
  it('draws the reference\'s brows although its shut eyes keep the target\'s open ones', () => {
    const { ref, refFace, brows } = darkBrowsShutEyes();
    const { rgb, reports } = swapFaces({ target: { ...astronaut, channels: 3 }, pairs: [{ ref: { ...ref, channels: 3 }, refFace, targetFace: face }] });
    assert.ok(reports[0].notes.some((n) => n.includes('open/closed differs')), reports[0].notes.join('; '));
    const was = meanUnder(astronaut, brows)[0], now = meanUnder({ ...astronaut, data: Buffer.from(rgb) }, brows)[0];
    // The painted brows, relit with the target's light, are far darker than the astronaut's own light-brown ones.
    assert.ok(now < was - 25, `the brows are the reference's (red ${was.toFixed(0)} → ${now.toFixed(0)})`);
  });

  it('keeps the target\'s brows with its eyes when the heads are tilted differently', () => {
    const { ref, refFace, brows } = darkBrowsShutEyes(face.pitch + 20);
    const { rgb } = swapFaces({ target: { ...astronaut, channels: 3 }, pairs: [{ ref: { ...ref, channels: 3 }, refFace, targetFace: face }] });
    const was = meanUnder(astronaut, brows)[0], now = meanUnder({ ...astronaut, data: Buffer.from(rgb) }, brows)[0];
    assert.ok(Math.abs(now - was) < 12, `the brows stay the target's (red ${was.toFixed(0)} → ${now.toFixed(0)})`);
  });

  it('keeps the target\'s brow with an eye that failed the check (the second try)', () => {
    const { refFace, brows } = darkBrowsShutEyes();
    const { width: w, height: h } = astronaut;
    const lab = rgbToLab(astronaut.data, 3, w * h);
    const tone = cleanSkinTone(lab, face, w, h);
    const keptAt = (failed: ('right eye' | 'left eye')[]) => {
      const { keep } = keptFeatures({ face, refFace, tLab: lab, wLab: lab, tTone: tone, wTone: tone, w, h, faceWidth: meshFaceWidth(face), shapedMesh: face.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[], failed });
      let k = 0, n = 0;
      for (let i = 0; i < brows.length; i++) if (brows[i]) (k += keep[i]), n++;
      return k / n / 255;
    };
    assert.ok(keptAt([]) < 0.2, `the brows are cleared for the reference's (${keptAt([]).toFixed(2)} kept)`);
    assert.ok(keptAt(['right eye']) > 0.5, `a failed eye keeps its brows (${keptAt(['right eye']).toFixed(2)} kept)`);
  });
});

describe('face swap: a brow that fails the check keeps its pair', () => {
  it('keeps both of the target\'s brows when one failed (one face\'s brow beside the other\'s reads as a gap)', () => {
    // The same face as reference: nothing but the failed brow would keep anything.
    const { width: w, height: h } = astronaut;
    const lab = rgbToLab(astronaut.data, 3, w * h);
    const tone = cleanSkinTone(lab, face, w, h);
    const left = new Uint8Array(w * h);
    fillPolygon(left, w, h, LEFT_BROW.map((i) => face.mesh[i]));
    const { keep } = keptFeatures({ face, refFace: face, tLab: lab, wLab: lab, tTone: tone, wTone: tone, w, h, faceWidth: meshFaceWidth(face), shapedMesh: face.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[], failed: ['right brow'] });
    let k = 0, n = 0;
    for (let i = 0; i < left.length; i++) if (left[i]) (k += keep[i]), n++;
    assert.ok(k / n / 255 > 0.9, `the left brow is kept with the failed right one (${(k / n / 255).toFixed(2)})`);
  });
});
