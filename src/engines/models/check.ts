/**
 * `darkroom models check`: every installed ONNX model runs once, through the same adapter the engines
 * use, on a built-in synthetic photo, and its result is checked for sanity: the right shape and
 * range, and what the model is for. A wrong export, a wrong signature in `catalog.json` or a broken
 * download shows here rather than in a user's result.
 *
 * - inpainting: the hole is filled with the colours of its ring (a mean distance), not a flat or
 *   foreign colour;
 * - colorization: the grey photo gains chroma, and the lightness is kept;
 * - super-resolution: on a copy shrunk by the model's factor, the model is as close to the original
 *   as bicubic enlargement (within 0.5 dB) and sharper than it;
 * - face models: the output has the right shape and range.
 */
import sharp from 'sharp';
import type { InferenceSession } from 'onnxruntime-node';
import { rgbToLab } from '../lab.js';
import type { ModelSpec } from './catalog.js';
import { colorizeSide, predictAb, recombineLab } from './adapters/colorize.js';
import { ARCFACE_SIZE, BISENET_SIZE, GFPGAN_SIZE, INSWAPPER_SIZE, faceEmbedding, parseFace, restoreFace, swapFace } from './adapters/face.js';
import { INPAINT_SIZE, runInpaint } from './adapters/inpaint.js';
import { realEsrganTile, srModelInfo } from './adapters/super-resolution.js';
import { allModels } from './local-catalog.js';
import { sessionFor } from './onnx.js';
import { findModel } from './resolve.js';

export interface ModelCheck {
  name: string;
  passed: boolean;
  /** What was measured, or why the model failed. */
  detail: string;
}

/** A deterministic pseudo-random sequence (the built-in photo must be the same on every host). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The built-in photo: a sky gradient, a textured meadow, a red disc, a white-and-brown striped wall
 * and a dark tree trunk — hard edges for super-resolution, materials with colour for colorization,
 * and a field with a texture for inpainting.
 */
export function builtInPhoto(S = 512): Uint8Array {
  const rgb = new Uint8Array(S * S * 3);
  const rnd = prng(24);
  const noise = new Float32Array(S * S).map(() => rnd() - 0.5);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      let c: [number, number, number];
      if (y < S * 0.4) c = [110 + (70 * y) / S, 160 + (60 * y) / S, 235];
      else c = [70 + 30 * Math.sin(x / 9) * Math.sin(y / 7) + 40 * noise[i], 130 + 25 * Math.sin(x / 9) * Math.sin(y / 7) + 40 * noise[i], 50 + 20 * noise[i]];
      const dx = x - S * 0.72, dy = y - S * 0.22;
      if (dx * dx + dy * dy < (S * 0.09) ** 2) c = [220, 50, 40];
      if (x > S * 0.08 && x < S * 0.32 && y > S * 0.25 && y < S * 0.6) c = Math.floor(y / 10) % 2 ? [235, 230, 220] : [140, 80, 50];
      if (x > S * 0.48 && x < S * 0.53 && y > S * 0.3 && y < S * 0.75) c = [60, 40, 25];
      rgb.set(c.map((v) => Math.max(0, Math.min(255, Math.round(v)))), 3 * i);
    }
  }
  return rgb;
}

function meanColour(rgb: Uint8Array, pick: (i: number) => boolean): [number, number, number] {
  const m = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < rgb.length / 3; i++) if (pick(i)) (m[0] += rgb[3 * i]), (m[1] += rgb[3 * i + 1]), (m[2] += rgb[3 * i + 2]), n++;
  return m.map((v) => v / Math.max(1, n)) as [number, number, number];
}

const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** The hole (a square in the meadow) is filled with colours near those of the ring around it. */
async function checkInpaint(session: InferenceSession, spec: ModelSpec): Promise<string> {
  const S = INPAINT_SIZE;
  const rgb = builtInPhoto(S);
  const hole = new Uint8Array(S * S);
  const [hx0, hy0, hs] = [300, 330, 80];
  for (let y = hy0; y < hy0 + hs; y++) hole.fill(1, y * S + hx0, y * S + hx0 + hs);
  const out = await runInpaint(session, spec.signature as 'lama' | 'migan', { rgb, hole, size: S }, spec.outputScale);
  if (out.length !== S * S * 3) throw new Error(`returned ${out.length} bytes for a ${S}² crop`);
  const ringOf = (i: number) => {
    const x = i % S, y = Math.floor(i / S);
    return !hole[i] && x >= hx0 - 24 && x < hx0 + hs + 24 && y >= hy0 - 24 && y < hy0 + hs + 24;
  };
  const ring = meanColour(rgb, ringOf);
  const fill = meanColour(out, (i) => hole[i] === 1);
  const d = dist(ring, fill);
  const kept = dist(meanColour(out, ringOf), ring);
  if (kept > 12) throw new Error(`known pixels around the hole changed by ${kept.toFixed(0)} levels: mask or range convention wrong`);
  if (d > 45) throw new Error(`the fill (${fill.map(Math.round).join(',')}) is far from its ring's colours (${ring.map(Math.round).join(',')}): distance ${d.toFixed(0)}`);
  return `fill is ${d.toFixed(0)} levels from its ring's mean colour`;
}

function meanChroma(rgb: Uint8Array): number {
  const n = rgb.length / 3;
  const lab = rgbToLab(rgb, 3, n);
  let c = 0;
  for (let i = 0; i < n; i++) c += Math.hypot(lab[3 * i + 1], lab[3 * i + 2]);
  return c / n;
}

/** The grey photo gains chroma; the lightness stays. */
async function checkColorize(session: InferenceSession, spec: ModelSpec): Promise<string> {
  const sig = spec.signature as 'ddcolor' | 'eccv16' | 'siggraph17';
  const side = colorizeSide(session, sig);
  const colour = builtInPhoto(side);
  const grey = new Uint8Array(colour.length);
  const lab = rgbToLab(colour, 3, side * side);
  for (let i = 0; i < side * side; i++) {
    // The lightness as a neutral grey: L* → Y → sRGB.
    const L = lab[3 * i];
    const Y = L > 8 ? ((L + 16) / 116) ** 3 : L / 903.3;
    const v = Y <= 0.0031308 ? 12.92 * Y : 1.055 * Y ** (1 / 2.4) - 0.055;
    grey.fill(Math.round(Math.max(0, Math.min(1, v)) * 255), 3 * i, 3 * i + 3);
  }
  const ab = await predictAb(session, sig, grey, side);
  for (const v of ab) if (!Number.isFinite(v) || Math.abs(v) > 128) throw new Error(`a/b value ${v} outside Lab's range`);
  const out = recombineLab(grey, side, side, ab, side);
  const chroma = meanChroma(out);
  if (chroma < 4) throw new Error(`the result has mean chroma ${chroma.toFixed(1)}: the model adds no colour`);
  return `mean chroma ${meanChroma(grey).toFixed(1)} → ${chroma.toFixed(1)}`;
}

function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / Math.max(1e-9, se / a.length));
}

/** Mean absolute difference between horizontal and vertical neighbours: how sharp an image is. */
function gradientEnergy(rgb: ArrayLike<number>, w: number, h: number): number {
  let g = 0;
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w - 1; x++) for (let c = 0; c < 3; c++) {
    const i = (y * w + x) * 3 + c;
    g += Math.abs(rgb[i + 3] - rgb[i]) + Math.abs(rgb[i + 3 * w] - rgb[i]);
  }
  return g / ((w - 1) * (h - 1) * 3);
}

/** On a copy shrunk by the model's factor: as faithful as bicubic (within 0.5 dB) and sharper. */
async function checkSuperResolution(session: InferenceSession): Promise<string> {
  const info = await srModelInfo(session);
  const low = info.fixedSide ?? 96;
  const T = low * info.scale;
  const photo = builtInPhoto(512);
  // The original: a T² window over the wall, the disc and the trunk.
  const truth = await sharp(Buffer.from(photo), { raw: { width: 512, height: 512, channels: 3 } }).extract({ left: 20, top: 90, width: Math.min(T, 492), height: Math.min(T, 422) }).resize(T, T, { fit: 'fill' }).raw().toBuffer();
  const small = await sharp(truth, { raw: { width: T, height: T, channels: 3 } }).resize(low, low, { kernel: 'mitchell' }).raw().toBuffer();
  const up = await realEsrganTile(session, small, low, low);
  if (up.width !== T || up.height !== T) throw new Error(`turned ${low}² into ${up.width}x${up.height}`);
  const bicubic = await sharp(small, { raw: { width: low, height: low, channels: 3 } }).resize(T, T, { kernel: 'cubic' }).raw().toBuffer();
  const [pm, pb] = [psnr(up.data, truth), psnr(bicubic, truth)];
  const [gm, gb] = [gradientEnergy(up.data, T, T), gradientEnergy(bicubic, T, T)];
  const figures = `PSNR ${pm.toFixed(2)} dB vs bicubic ${pb.toFixed(2)} dB, sharpness ${gm.toFixed(2)} vs ${gb.toFixed(2)} (x${info.scale}${info.fixedSide ? `, fixed ${info.fixedSide}² input` : ''})`;
  if (pm < pb - 0.5) throw new Error(`less faithful than bicubic: ${figures}`);
  if (gm <= gb) throw new Error(`no sharper than bicubic: ${figures}`);
  return figures;
}

function assertRange(out: Uint8Array, expected: number, what: string): void {
  if (out.length !== expected) throw new Error(`${what}: ${out.length} values, expected ${expected}`);
  let min = 255, max = 0;
  for (const v of out) (min = Math.min(min, v)), (max = Math.max(max, v));
  if (max - min < 8) throw new Error(`${what}: a flat result (${min}..${max})`);
}

async function checkFace(session: InferenceSession, spec: ModelSpec): Promise<string> {
  const crop = async (side: number) => new Uint8Array(await sharp(Buffer.from(builtInPhoto(512)), { raw: { width: 512, height: 512, channels: 3 } }).resize(side, side).raw().toBuffer());
  switch (spec.signature) {
    case 'gfpgan':
      assertRange(await restoreFace(session, await crop(GFPGAN_SIZE)), GFPGAN_SIZE ** 2 * 3, 'restored crop');
      return `${GFPGAN_SIZE}² RGB out, not flat`;
    case 'arcface': {
      const e = await faceEmbedding(session, await crop(ARCFACE_SIZE));
      if (e.length !== 512 || e.some((v) => !Number.isFinite(v))) throw new Error(`embedding of ${e.length} values, or not finite`);
      return '512-d embedding';
    }
    case 'bisenet': {
      const classes = await parseFace(session, await crop(BISENET_SIZE));
      if (classes.length !== BISENET_SIZE ** 2 || classes.some((c) => c > 18)) throw new Error('class map of the wrong size or beyond the 19 classes');
      return `${BISENET_SIZE}² class map`;
    }
    case 'inswapper': {
      const latent = new Float32Array(512).fill(1 / Math.sqrt(512));
      const out = await swapFace(session, await crop(INSWAPPER_SIZE), latent);
      if (out.length !== INSWAPPER_SIZE ** 2 * 3) throw new Error(`${out.length} values, expected ${INSWAPPER_SIZE}² RGB`);
      return `${INSWAPPER_SIZE}² RGB out`;
    }
    default:
      throw new Error(`no check for signature ${spec.signature}`);
  }
}

async function checkOne(spec: ModelSpec, modelsDir: string): Promise<string> {
  const session = await sessionFor({ name: spec.name, modelsDir });
  switch (spec.signature) {
    case 'lama':
    case 'migan':
      return checkInpaint(session, spec);
    case 'ddcolor':
    case 'eccv16':
    case 'siggraph17':
      return checkColorize(session, spec);
    case 'realesrgan':
      return checkSuperResolution(session);
    default:
      return checkFace(session, spec);
  }
}

/** Runs every installed ONNX model with a signature (catalog and `catalog.json`) once; npm-shipped models are checked by their packages. */
export async function checkModels(modelsDir: string, only?: readonly string[]): Promise<ModelCheck[]> {
  // Diffusion models are pipelines of four networks, checked by the embedded engine itself (src/engines/diffusion/self-check.ts).
  const installed = allModels(modelsDir).filter((m) => m.signature && m.role !== 'diffusion' && !m.package && findModel(m, modelsDir).resolved && (!only?.length || only.includes(m.name)));
  const results: ModelCheck[] = [];
  for (const spec of installed) {
    try {
      results.push({ name: spec.name, passed: true, detail: await checkOne(spec, modelsDir) });
    } catch (e) {
      results.push({ name: spec.name, passed: false, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}
