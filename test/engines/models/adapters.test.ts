import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { predictAb, colorizeSide, recombineLab } from '../../../src/engines/models/adapters/colorize.js';
import { faceEmbedding, inswapperLatent, parseFace, restoreFace, swapFace } from '../../../src/engines/models/adapters/face.js';
import { runInpaint } from '../../../src/engines/models/adapters/inpaint.js';
import { inswapperEmap } from '../../../src/engines/models/adapters/onnx-initializer.js';
import { realEsrganTile } from '../../../src/engines/models/adapters/super-resolution.js';
import { sessionFor, type ModelRole, type ModelSignature } from '../../../src/engines/models/index.js';
import { rgbToLab } from '../../../src/engines/lab.js';
import { installLocalModel } from './install.js';
import * as tiny from './tiny-models.js';
import { tinyInpaintModel } from '../../helpers/tiny-onnx.js';

const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-adapters-'));
/** Installs a tiny model through the operator catalog and loads it through the one verified loader. */
function load(name: string, role: ModelRole, signature: ModelSignature, bytes: Buffer) {
  installLocalModel(modelsDir, { name, role, signature, features: [], file: 'model.onnx', bytes });
  return sessionFor({ name, modelsDir });
}

/** A 512² RGB test card: left half a mid grey, right half a warm colour. */
function card(S: number): Uint8Array {
  const rgb = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) rgb.set(x < S / 2 ? [128, 128, 128] : [200, 120, 60], (y * S + x) * 3);
  return rgb;
}

describe('inpainting adapters', () => {
  const S = 512;
  const hole = new Uint8Array(S * S);
  for (let y = 200; y < 300; y++) hole.fill(1, y * S + 100, y * S + 400);
  const at = (rgb: Uint8Array, x: number, y: number) => Array.from(rgb.subarray((y * S + x) * 3, (y * S + x) * 3 + 3));

  test('LaMa: float image 0..1 and mask 1 = fill; an output in 0..255 is read as such', async () => {
    const out = await runInpaint(await load('t-lama', 'inpaint', 'lama', tiny.tinyLama([0, 1, 0])), 'lama', { rgb: card(S), hole, size: S });
    assert.deepEqual(at(out, 150, 250), [0, 255, 0], 'hole filled by the model');
    assert.deepEqual(at(out, 150, 100), [128, 128, 128], 'known pixels come back unchanged');
    assert.deepEqual(at(out, 450, 100), [200, 120, 60]);
  });

  test('LaMa: a dark crop is read at the same scale as a bright one (declared or calibrated once, never guessed from pixels)', async () => {
    // Every pixel at most 1/255 and a black fill: a 0..255 output then peaks at 1, which the old
    // "max ≤ 1.5 means 0..1" guess multiplied by 255 into white.
    const dark = new Uint8Array(S * S * 3).fill(1);
    const calibrated = await runInpaint(await load('t-lama-dark', 'inpaint', 'lama', tiny.tinyLama([0, 0, 0])), 'lama', { rgb: dark, hole, size: S });
    assert.deepEqual(at(calibrated, 150, 100), [1, 1, 1], 'known pixels stay dark');
    assert.deepEqual(at(calibrated, 150, 250), [0, 0, 0], 'the hole is filled black');
    // A model answering 0..1 is calibrated to the other scale.
    const unit = await runInpaint(await load('t-lama-unit', 'inpaint', 'lama', tinyInpaintModel([0, 0, 0])), 'lama', { rgb: dark, hole, size: S });
    assert.deepEqual(at(unit, 150, 100), [1, 1, 1]);
    // A declared scale is used as declared.
    const declared = await runInpaint(await load('t-lama-declared', 'inpaint', 'lama', tiny.tinyLama([0, 0, 0])), 'lama', { rgb: dark, hole, size: S }, 1);
    assert.deepEqual(at(declared, 150, 100), [1, 1, 1]);
  });

  test('MI-GAN: uint8 image and mask where 255 = keep, 0 = fill; uint8 result', async () => {
    const out = await runInpaint(await load('t-migan', 'inpaint', 'migan', tiny.tinyMigan([255, 0, 255])), 'migan', { rgb: card(S), hole, size: S });
    assert.deepEqual(at(out, 350, 250), [255, 0, 255], 'hole filled');
    assert.deepEqual(at(out, 350, 100), [200, 120, 60], 'kept pixels exact');
  });
});

describe('colorization adapters', () => {
  test('DDColor: the model sees the lightness as gray RGB 0..1 at its own side; a/b come back in Lab units', async () => {
    const session = await load('t-ddcolor', 'colorize', 'ddcolor', tiny.tinyDdcolor(30));
    const S = colorizeSide(session, 'ddcolor');
    assert.equal(S, 256);
    const rgb = card(S);
    const ab = await predictAb(session, 'ddcolor', rgb, S);
    const n = S * S;
    // a = 100·(R − G) of the input: zero only if the warm half reached the model as gray.
    assert.ok(Math.abs(ab[S * 10 + 200]) < 0.5, `input was gray (a = ${ab[S * 10 + 200]})`);
    assert.ok(Math.abs(ab[n + 5] - 30) < 1e-3);
    const big = recombineLab(card(512), 512, 512, ab, S);
    const lab = rgbToLab(big, 3, 512 * 512);
    const src = rgbToLab(card(512), 3, 512 * 512);
    const p = (100 * 512 + 400) * 3;
    assert.ok(Math.abs(lab[p] - src[p]) < 1.5, 'lightness kept');
    assert.ok(Math.abs(lab[p + 2] - 30) < 3, `b from the model (${lab[p + 2]})`);
  });

  test('ECCV16 / SIGGRAPH17: L in 0..100 in, a/b out', async () => {
    const session = await load('t-eccv', 'colorize', 'eccv16', tiny.tinyZhang());
    const S = colorizeSide(session, 'eccv16');
    assert.equal(S, 256);
    const rgb = card(S);
    const L = rgbToLab(rgb, 3, S * S);
    const ab = await predictAb(session, 'eccv16', rgb, S);
    const i = 10 * S + 5;
    assert.ok(Math.abs(ab[i] - (0.5 * L[3 * i] - 25)) < 1e-3, `a = ${ab[i]} for L = ${L[3 * i]}`);
    assert.ok(Math.abs(ab[S * S + i] - 20) < 1e-3);
  });
});

describe('super-resolution adapter', () => {
  test('Real-ESRGAN: RGB 0..1 in, scale read from the output, odd sides padded and cut away', async () => {
    const session = await load('t-esrgan', 'super-resolution', 'realesrgan', tiny.tinyRealEsrgan());
    // Odd sides: the x2plus export needs even ones (pixel unshuffle), so the adapter pads and crops.
    const w = 61, h = 37;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 251;
    const out = await realEsrganTile(session, rgb, w, h);
    assert.deepEqual([out.scale, out.width, out.height], [2, 122, 74]);
    let wrong = 0;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        for (let c = 0; c < 3; c++) if (Math.abs(out.data[(y * out.width + x) * 3 + c] - rgb[((y >> 1) * w + (x >> 1)) * 3 + c]) > 1e-3) wrong++;
      }
    }
    assert.equal(wrong, 0);
  });
});

describe('face adapters', () => {
  test('GFPGAN: −1..1 in and out', async () => {
    const crop = card(512);
    const out = await restoreFace(await load('t-gfpgan', 'face-restore', 'gfpgan', tiny.tinyGfpgan()), crop);
    for (const i of [0, 1, 2, 3 * 511, 3 * 511 + 1]) assert.ok(Math.abs(out[i] - (255 - crop[i])) <= 1, `${out[i]} vs ${255 - crop[i]}`);
  });

  test('ArcFace: (v − 127.5)/127.5 in, L2-normalised embedding out; inswapper: target 0..1, latent, output 0..1', async () => {
    const crop = new Uint8Array(112 * 112 * 3);
    for (let i = 0; i < crop.length; i += 3) crop.set([255, 127.5 + 63.75, 0], i);
    const e = await faceEmbedding(await load('t-arcface', 'face-embedding', 'arcface', tiny.tinyArcface()), crop);
    assert.equal(e.length, 512);
    // Means (1, 0.5, −1) normalised.
    const n = Math.sqrt(1 + 0.25 + 1);
    assert.ok(Math.abs(e[0] - 1 / n) < 0.01 && Math.abs(e[1] - 0.5 / n) < 0.01 && Math.abs(e[2] + 1 / n) < 0.01, Array.from(e.subarray(0, 3)).join());
    const written = new Array(512 * 512).fill(0);
    for (let i = 0; i < 512; i++) written[i * 512 + ((i + 1) % 512)] = 2;
    const session = await load('t-inswapper', 'face-swap', 'inswapper', tiny.tinyInswapper(written));
    // The emap is read back from the installed model file, as from InsightFace's.
    const emap = await inswapperEmap(path.join(modelsDir, 't-inswapper', 'model.onnx'));
    assert.deepEqual(Array.from(emap), written);
    const latent = inswapperLatent(e, emap);
    assert.ok(Math.abs(latent[1] - e[0]) < 1e-5, 'latent = normalised embedding · emap');
    const target = card(128);
    const swapped = await swapFace(session, target, latent);
    assert.ok(Math.abs(swapped[0] - (255 - target[0])) <= 1);
  });

  test('BiSeNet: ImageNet-normalised RGB in, arg-max class per pixel out', async () => {
    const rgb = new Uint8Array(512 * 512 * 3);
    for (let i = 0; i < 512 * 512; i++) rgb.set(i < 512 * 256 ? [250, 180, 160] : [20, 15, 10], 3 * i);
    const labels = await parseFace(await load('t-bisenet', 'face-parsing', 'bisenet', tiny.tinyBisenet()), rgb);
    assert.equal(labels[10], 1, 'bright red → skin');
    assert.equal(labels[512 * 400], 17, 'dark → hair');
  });
});
