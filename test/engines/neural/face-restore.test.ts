/**
 * GFPGAN face restoration in enhance, with a tiny ONNX model of GFPGAN's signature ([1,3,512,512]
 * in −1..1 → the same out) that returns the photographic negative: wherever it is pasted, pixels change a lot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import type { EngineDeps, WorkerPool } from '../../../src/engines/engine.js';
import { analyzeFaces } from '../../../src/engines/face/analysis.js';
import { createEnhanceEngine } from '../../../src/engines/neural/enhance.js';
import { applySimilarity, fitSimilarity, invertSimilarity } from '../../../src/engines/face/align.js';
import { FACE_RESTORE, pasteRestored, restoreFaces } from '../../../src/engines/neural/face-restore.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { installLocalModel } from '../models/install.js';
import { onnxModel } from '../../helpers/tiny-onnx.js';
import { tinyGfpgan } from '../models/tiny-models.js';
import { ctx, job, photo, rawOf, saveArtifact } from './helpers.js';

let pool: WorkerPool;
const log = pino({ level: 'silent' });

/** Real-ESRGAN's signature, nearest ×2: a fast, exactly known upscaler for the x2 case. */
const nearestX2 = () =>
  onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'output', dims: [1, 3, 'H', 'W'] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, 2, 2] }],
    nodes: [{ op: 'Resize', in: ['input', '', 'scales'], out: ['output'] }],
  });

function depsWith(o: { gfpgan?: boolean; sr?: boolean }): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-face-restore-'));
  const modelsDir = path.join(dataDir, 'models');
  if (o.gfpgan) installLocalModel(modelsDir, { name: 't-gfpgan', role: 'face-restore', signature: 'gfpgan', features: ['enhance'], file: 'model.onnx', bytes: tinyGfpgan() });
  if (o.sr) installLocalModel(modelsDir, { name: 't-sr', role: 'super-resolution', signature: 'realesrgan', features: ['enhance'], file: 'model.onnx', bytes: nearestX2() });
  return { config: loadConfig({ dataDir, engines: { modelsDir, nsfw: { enabled: false, threshold: 0.7 } } }, {}), log, pool };
}

before(() => {
  pool = createWorkerPool(2);
});
after(async () => {
  await pool.destroy();
});

/** Face boxes of a photo (x1, y1, x2, y2), found by the same shared detection, scaled and grown by `grow` of their size on each side. */
async function faceBoxes(png: Buffer, scale: number, grow: number): Promise<[number, number, number, number][]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const a = await analyzeFaces(pool, { data, width: info.width, height: info.height, channels: 3 });
  return a.faces.map(({ box: [x1, y1, x2, y2] }) => {
    const gx = (x2 - x1) * grow, gy = (y2 - y1) * grow;
    return [(x1 - gx) * scale, (y1 - gy) * scale, (x2 + gx) * scale, (y2 + gy) * scale];
  });
}

/** Pixels where two RGB images differ by more than `tol`, split by whether they lie in one of the boxes. */
function changes(a: Buffer, b: Buffer, width: number, boxes: [number, number, number, number][], tol = 2) {
  let inside = 0, outside = 0;
  for (let p = 0; p < a.length / 3; p++) {
    if (Math.max(Math.abs(a[3 * p] - b[3 * p]), Math.abs(a[3 * p + 1] - b[3 * p + 1]), Math.abs(a[3 * p + 2] - b[3 * p + 2])) <= tol) continue;
    const x = p % width, y = Math.floor(p / width);
    if (boxes.some(([x1, y1, x2, y2]) => x >= x1 && x < x2 && y >= y1 && y < y2)) inside++;
    else outside++;
  }
  return { inside, outside };
}

describe('face restoration (GFPGAN) in enhance', () => {
  test('the 5-point fit recovers a similarity exactly and inverts', () => {
    const truth = { a: 1.7 * Math.cos(0.3), b: 1.7 * Math.sin(0.3), tx: -40, ty: 12.5 };
    const from: [number, number][] = [[10, 20], [60, 22], [35, 50], [15, 70], [58, 71]];
    const fit = fitSimilarity(from, from.map((p) => applySimilarity(truth, p)));
    for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(fit[k] - truth[k]) < 1e-9, k);
    const back = applySimilarity(invertSimilarity(fit), applySimilarity(fit, [123, -45]));
    assert.ok(Math.hypot(back[0] - 123, back[1] + 45) < 1e-9);
  });

  test('a restoration pasted onto a face 8× smaller is averaged, not point-sampled: finest texture comes back as its mean, not as aliasing', async () => {
    // The crop sees the image 8× enlarged: 512 crop pixels span 64 image pixels.
    const W = 96;
    const img = { data: Buffer.alloc(W * W * 3, 60), width: W, height: W, channels: 3 as const };
    // Off the half-pixel grid, so a point sample cannot land between two checker pixels by luck.
    const toCrop = { a: 8, b: 0, tx: -8 * 16 + 0.25, ty: -8 * 16 + 0.25 };
    // A 1-px checkerboard: the texture a point sample at 8-px steps would turn into a flat 0 or 255.
    const checker = new Uint8Array(512 * 512 * 3);
    for (let v = 0; v < 512; v++) for (let u = 0; u < 512; u++) checker.fill((u + v) % 2 ? 255 : 0, (v * 512 + u) * 3, (v * 512 + u) * 3 + 3);
    await pasteRestored(img, checker, toCrop, 1);
    // The solid centre of the pasted ellipse: crop (256, 286) ± 60 → image (48, 51.75) ± 7.5.
    const vals: number[] = [];
    for (let y = 46; y < 57; y++) for (let x = 42; x < 54; x++) vals.push(img.data[(y * W + x) * 3]);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    assert.ok(Math.abs(mean - 127.5) < 4 && sd < 6, `mean ${mean.toFixed(1)}, sd ${sd.toFixed(1)}`);
    // Outside the ellipse the image is untouched.
    assert.equal(img.data[(2 * W + 2) * 3], 60);
  });

  test('x1 on a portrait: pixels change inside the face and nowhere else; meta names GFPGAN', async () => {
    const input = photo('astronaut.png');
    const [plain] = await createEnhanceEngine(depsWith({})).run(job('enhance', input, { scale: 1 }), ctx());
    const [restored] = await createEnhanceEngine(depsWith({ gfpgan: true })).run(job('enhance', input, { scale: 1 }), ctx());
    saveArtifact('enhance-gfpgan-negative-astronaut.png', restored.data);
    assert.equal(plain.meta?.engine, 'cored-sharpen');
    assert.equal(restored.meta?.engine, 'cored-sharpen+t-gfpgan');
    const a = await rawOf(plain.data), b = await rawOf(restored.data);
    const [face] = await faceBoxes(input, 1, 0);
    const c = changes(a.data, b.data, a.width, await faceBoxes(input, 1, 0.15));
    assert.equal(c.outside, 0, 'nothing changes outside the face');
    // The negative at half strength moves every mid-tone pixel of the face's centre.
    const centre = changes(a.data, b.data, a.width, [[face[0] + (face[2] - face[0]) / 3, face[1] + (face[3] - face[1]) / 3, face[2] - (face[2] - face[0]) / 3, face[3] - (face[3] - face[1]) / 3]]);
    const centreArea = ((face[2] - face[0]) / 3) * ((face[3] - face[1]) / 3);
    assert.ok(centre.inside > 0.8 * centreArea, `${centre.inside} of ${Math.round(centreArea)} centre pixels changed`);
  });

  test('x2 through Real-ESRGAN on a group photo: every restored face is where the detector found one, in output pixels', async () => {
    const input = await sharp(photo('group-4.jpg')).resize(960).png().toBuffer();
    const [plain] = await createEnhanceEngine(depsWith({ sr: true })).run(job('enhance', input, { scale: 2 }), ctx());
    const [restored] = await createEnhanceEngine(depsWith({ sr: true, gfpgan: true })).run(job('enhance', input, { scale: 2 }), ctx());
    assert.equal(restored.meta?.engine, 't-sr+t-gfpgan');
    const a = await rawOf(plain.data), b = await rawOf(restored.data);
    const boxes = await faceBoxes(input, 2, 0.15);
    assert.ok(boxes.length >= 3, `${boxes.length} faces found`);
    const c = changes(a.data, b.data, a.width, boxes);
    assert.equal(c.outside, 0, 'nothing changes outside the faces');
    // Each face got its own restoration.
    for (const box of boxes) assert.ok(changes(a.data, b.data, a.width, [box]).inside > 0.1 * (box[2] - box[0]) * (box[3] - box[1]), `face at ${box.map(Math.round)}`);
  });

  test('a photo larger than the detection view: faces found on a shrunk copy are restored where they are at full size', async () => {
    const width = 2600;
    assert.ok(width > FACE_RESTORE.detectMaxSide);
    const png = await sharp(photo('group-4.jpg')).resize(width).png().toBuffer();
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const img = { data: Buffer.from(data), width: info.width, height: info.height, channels: 3 as const };
    const n = await restoreFaces(pool, img, img, 1, { model: 'unused', modelsDir: '', signal: new AbortController().signal, restore: async (crop) => crop.map((v) => 255 - v) });
    const boxes = await faceBoxes(png, 1, 0.15);
    assert.ok(n >= 3 && n <= boxes.length, `${n} faces restored of ${boxes.length}`);
    const c = changes(data, img.data, info.width, boxes);
    assert.equal(c.outside, 0);
    assert.ok(c.inside > 0);
  });

  test('a photo without faces comes back exactly as without GFPGAN', async () => {
    const input = photo('fruits.jpg');
    const [plain] = await createEnhanceEngine(depsWith({})).run(job('enhance', input, { scale: 1 }, 'png'), ctx());
    const [withModel] = await createEnhanceEngine(depsWith({ gfpgan: true })).run(job('enhance', input, { scale: 1 }, 'png'), ctx());
    assert.equal(withModel.meta?.engine, 'cored-sharpen');
    assert.ok((await rawOf(plain.data)).data.equals((await rawOf(withModel.data)).data));
  });
});
