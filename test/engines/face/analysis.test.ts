import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { feature } from '../../../src/features/table.js';
import { isEngineError } from '../../../src/engines/errors.js';
import { analyzeFaces, checkFaceRules, DETECT_MAX_SIDE, regionMask, type FaceAnalysis } from '../../../src/engines/face/analysis.js';
import { createFeatureEngine } from '../../../src/engines/registry.js';
import type { DetectedFace } from '../../../src/engines/face/detect-engine.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ARTIFACTS, decodeRgb, engineFile, makeDeps, photo, rotated, runContext, sideBySide, smallFace } from './fixtures.js';

const deps = makeDeps(1);
const HAIR = feature('hair-style').limits.face!;
const analyze = async (data: Buffer): Promise<FaceAnalysis> => analyzeFaces(deps.pool, await decodeRgb(data));
const expectCode = (fn: () => unknown, code: string) => assert.throws(fn, (e: unknown) => isEngineError(e) && e.code === code);

let astronaut: FaceAnalysis;
before(async () => {
  astronaut = await analyze(photo('astronaut.png'));
});
after(() => deps.pool.destroy());

describe('analyzeFaces', () => {
  it('finds the one frontal face of astronaut.png with mesh and pose in degrees', () => {
    assert.equal(astronaut.faces.length, 1);
    assert.equal(astronaut.persons, 1);
    assert.equal(astronaut.shouldersVisible, true);
    const f = astronaut.faces[0];
    assert.equal(f.mesh.length, 478);
    assert.ok(f.width > 120 && f.width < 170, `face width ${f.width}`);
    assert.ok(Math.abs(f.pitch - 7.8) < 3, `pitch ${f.pitch}`);
    assert.ok(Math.abs(f.yaw) < 5, `yaw ${f.yaw}`);
    assert.ok(Math.abs(f.roll - 3.3) < 3, `roll ${f.roll}`);
    // The face sits in the upper middle of the photo, around (225, 120).
    assert.ok(f.box[0] < 225 && f.box[2] > 225 && f.box[1] < 120 && f.box[3] > 120, `box ${f.box}`);
    assert.equal(checkFaceRules(astronaut, HAIR, { requireShoulders: true }), f);
  });

  it('analyses a photo larger than the model input on a shrunk copy and answers in the photo\'s own pixels', async () => {
    const k = 5; // 2560 px: above DETECT_MAX_SIDE
    assert.ok(512 * k > DETECT_MAX_SIDE);
    const big = await analyze(await sharp(photo('astronaut.png')).resize(512 * k, 512 * k, { kernel: 'cubic' }).png({ compressionLevel: 1 }).toBuffer());
    assert.equal(big.faces.length, 1);
    const [small, large] = [astronaut.faces[0], big.faces[0]];
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(large.box[i] / k - small.box[i]) < 6, `box ${large.box} vs ${small.box} x${k}`);
    let err = 0;
    for (let i = 0; i < small.mesh.length; i++) err += Math.hypot(large.mesh[i][0] / k - small.mesh[i][0], large.mesh[i][1] / k - small.mesh[i][1]);
    assert.ok(err / small.mesh.length < 3, `mesh ${err / small.mesh.length} px from the 512-px photo's`);
    assert.ok(Math.abs(large.yaw - small.yaw) < 3 && Math.abs(large.roll - small.roll) < 3);
  });

  it('draws region masks that sit inside the face and never spill outside the outline', () => {
    const f = astronaut.faces[0];
    const oval = regionMask(f, 'oval', 512, 512);
    const count = (m: Buffer) => m.reduce((s, v) => s + (v ? 1 : 0), 0);
    for (const region of ['lips', 'eyes', 'brows', 'skin', 'cheeks', 'forehead'] as const) {
      const m = regionMask(f, region, 512, 512, 4);
      assert.equal(m.length, 512 * 512);
      assert.ok(count(m) > 50, `${region} is nearly empty`);
      let outside = 0;
      for (let i = 0; i < m.length; i++) if (m[i] && !oval[i]) outside++;
      assert.ok(outside < count(m) * 0.02, `${region} spills outside the face: ${outside}`);
    }
    // Lips lie below the eyes.
    const centreY = (m: Buffer) => {
      let s = 0, n = 0;
      for (let i = 0; i < m.length; i++) if (m[i]) { s += Math.floor(i / 512); n++; }
      return s / n;
    };
    assert.ok(centreY(regionMask(f, 'lips', 512, 512)) > centreY(regionMask(f, 'eyes', 512, 512)) + 20);
    // Feathering only softens inside: no pixel outside the hard mask becomes nonzero.
    const hard = regionMask(f, 'skin', 512, 512, 0);
    const soft = regionMask(f, 'skin', 512, 512, 8);
    for (let i = 0; i < hard.length; i++) if (!hard[i]) assert.equal(soft[i], 0);
    assert.ok(soft.some((v, i) => v > 0 && v < 255 && hard[i] === 255));
  });
});

describe('checkFaceRules error codes on real photos', () => {
  it('error_large_face_angle: portrait-julia.jpg pitch is about 12° (limit ±10°)', async () => {
    const a = await analyze(photo('portrait-julia.jpg'));
    assert.equal(a.faces.length, 1);
    assert.ok(a.faces[0].pitch > 10 && a.faces[0].pitch < 15, `pitch ${a.faces[0].pitch}`);
    expectCode(() => checkFaceRules(a, HAIR), 'error_large_face_angle');
  });

  it('error_large_face_angle: astronaut rotated by 30° (roll)', async () => {
    const a = await analyze(await rotated(photo('astronaut.png'), 30));
    assert.equal(a.faces.length, 1);
    assert.ok(Math.abs(a.faces[0].roll) > 20, `roll ${a.faces[0].roll}`);
    expectCode(() => checkFaceRules(a, HAIR), 'error_large_face_angle');
  });

  it('invalid_parameter: the face scaled under 128 px, with a message naming the limit', async () => {
    const a = await analyze(await smallFace(photo('astronaut.png'), astronaut.faces[0], 100));
    assert.equal(a.faces.length, 1);
    assert.ok(a.faces[0].width < 128, `width ${a.faces[0].width}`);
    assert.throws(() => checkFaceRules(a, HAIR), (e: unknown) => isEngineError(e) && e.code === 'invalid_parameter' && /128 px/.test(e.message));
  });

  it('error_no_shoulder: a head-and-neck crop has no shoulders in frame', async () => {
    const a = await analyze(await smallFace(photo('astronaut.png'), astronaut.faces[0], 200));
    assert.equal(a.faces.length, 1);
    assert.equal(a.shouldersVisible, false);
    expectCode(() => checkFaceRules(a, HAIR, { requireShoulders: true }), 'error_no_shoulder');
    assert.ok(checkFaceRules(a, HAIR));
  });

  it('error_multiple_people: two portraits side by side, faces listed left to right', async () => {
    const a = await analyze(await sideBySide(photo('astronaut.png'), photo('portrait-julia.jpg')));
    assert.equal(a.faces.length, 2);
    assert.equal(a.persons, 2);
    assert.ok(a.faces[0].box[0] < a.faces[1].box[0]);
    expectCode(() => checkFaceRules(a, HAIR), 'error_multiple_people');
  });

  it('error_no_face: fruits.jpg', async () => {
    const a = await analyze(photo('fruits.jpg'));
    assert.equal(a.faces.length, 0);
    expectCode(() => checkFaceRules(a, HAIR), 'error_no_face');
  });

  it('error_face_parsing: a face whose mesh is missing', () => {
    const broken: FaceAnalysis = { ...astronaut, faces: [{ ...astronaut.faces[0], mesh: astronaut.faces[0].mesh.slice(0, 100) }] };
    expectCode(() => checkFaceRules(broken, HAIR), 'error_face_parsing');
    expectCode(() => regionMask(broken.faces[0], 'lips', 512, 512), 'error_face_parsing');
  });
});

describe('face-swap/pre-process engine', () => {
  const engine = createFeatureEngine('face-swap/pre-process', deps);
  const run = (data: Buffer) => engine.run({ taskId: 't', feature: 'face-swap/pre-process', files: { src_ids: [engineFile(data)] }, params: {} }, runContext(deps));

  it('returns one bbox around the face, as a JSON file and as result meta', async () => {
    const [out] = await run(photo('astronaut.png'));
    assert.equal(out.contentType, 'application/json');
    assert.equal(out.ext, 'json');
    const body = JSON.parse(out.data.toString()) as { faces: DetectedFace[] };
    assert.deepEqual(out.meta, { faces: body.faces });
    assert.equal(body.faces.length, 1);
    const { bbox, landmarks } = body.faces[0];
    assert.ok(bbox[0] < bbox[2] && bbox[1] < bbox[3]);
    for (const [x, y] of Object.values(landmarks)) assert.ok(x > bbox[0] && x < bbox[2] && y > bbox[1] && y < bbox[3], `landmark ${x},${y} outside ${bbox}`);
    // The subject's right eye appears on the image's left.
    assert.ok(landmarks.right_eye[0] < landmarks.left_eye[0]);
    assert.ok(landmarks.mouth_right[0] < landmarks.mouth_left[0]);
  });

  it('lists two faces left to right', async () => {
    const input = await sideBySide(photo('portrait-julia.jpg'), photo('astronaut.png'));
    const [out] = await run(input);
    const faces = (out.meta as { faces: DetectedFace[] }).faces;
    assert.equal(faces.length, 2);
    assert.deepEqual(faces.map((f) => f.index), [0, 1]);
    assert.ok(faces[0].bbox[2] < faces[1].bbox[0]);
    // Picture for the README: boxes and key points drawn on the input.
    const img = await decodeRgb(input);
    const dot = (x: number, y: number, r: number, rgb: number[]) => {
      for (let yy = Math.max(0, Math.round(y) - r); yy <= Math.min(img.height - 1, Math.round(y) + r); yy++)
        for (let xx = Math.max(0, Math.round(x) - r); xx <= Math.min(img.width - 1, Math.round(x) + r); xx++) for (let c = 0; c < 3; c++) img.data[(yy * img.width + xx) * 3 + c] = rgb[c];
    };
    for (const f of faces) {
      const [x1, y1, x2, y2] = f.bbox;
      for (let x = x1; x <= x2; x++) { dot(x, y1, 1, [255, 200, 0]); dot(x, y2, 1, [255, 200, 0]); }
      for (let y = y1; y <= y2; y++) { dot(x1, y, 1, [255, 200, 0]); dot(x2, y, 1, [255, 200, 0]); }
      for (const [x, y] of Object.values(f.landmarks)) dot(x, y, 2, [255, 40, 40]);
    }
    const jpg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize({ height: 400 }).jpeg({ quality: 85 }).toBuffer();
    writeFileSync(path.join(ARTIFACTS, 'face-detect-boxes.jpg'), jpg);
    if (process.env.UPDATE_DOCS_IMAGES === '1') writeFileSync('docs/images/face-detect-boxes.jpg', jpg);
  });

  it('fails with error_no_face on fruits.jpg', async () => {
    await assert.rejects(run(photo('fruits.jpg')), (e: unknown) => isEngineError(e) && e.code === 'error_no_face');
  });
});
