import { feature } from '../../features/table.js';
import type { Engine, EngineDeps, EngineOutput } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, moveToShared, sharedBytes, toRaw, type RawImage } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { estimateWhiteBalance, gainLuts, type WhiteBalance } from './white-balance.js';

export interface ColorCorrection {
  /** Per-channel look-up tables (R, G, B) applied to every pixel. */
  luts: [Uint8Array, Uint8Array, Uint8Array];
  whiteBalance: WhiteBalance;
}

/**
 * The neutral correction: white balance only (see white-balance.ts: gray-edge illuminant, corrected in
 * linear light only as far as the evidence agrees). No levels stretch: a faded print and a naturally
 * flat scene (a wall, fog, a mid-tone product shot) have the same histogram, and the stretch that
 * helped the first moved the others by up to ΔE2000 5 with no cast to correct.
 */
export function estimateCorrection(raw: RawImage): ColorCorrection {
  const wb = estimateWhiteBalance(raw.data, raw.width, raw.height, raw.channels);
  return { luts: gainLuts(wb.gains), whiteBalance: wb };
}

/** Channel values at or above this were clipped by the camera: the true value is unknown, only larger. */
const CLIPPED = 254;

/**
 * Applies the tables. A clipped channel is at least as bright as it reads, so it is never let fall below
 * the pixel's brightest unclipped channel after correction (blown highlights stay neutral instead of
 * turning cyan when red is lowered), and a pixel clipped in every channel stays white.
 */
export function applyCorrection(raw: RawImage, cc: ColorCorrection): RawImage {
  const out = Buffer.from(raw.data);
  correctInPlace(out, raw.channels, cc);
  return { ...raw, data: out };
}

function correctInPlace(out: Uint8Array, channels: number, cc: ColorCorrection): void {
  const luts = cc.luts;
  for (let o = 0; o < out.length; o += channels) {
    let clipped = 0;
    let floor = 0;
    for (let c = 0; c < 3; c++) {
      const v = out[o + c];
      const mapped = luts[c][v];
      if (v >= CLIPPED) clipped |= 1 << c;
      else if (mapped > floor) floor = mapped;
      out[o + c] = mapped;
    }
    if (!clipped) continue;
    if (clipped === 7) floor = 255;
    for (let c = 0; c < 3; c++) if (clipped & (1 << c) && out[o + c] < floor) out[o + c] = floor;
  }
}

/** The graded variants returned as separate results, in this order (neutral first). */
export const GRADES = ['neutral', 'warm', 'cool', 'vivid'] as const;
export type Grade = (typeof GRADES)[number];

/**
 * Applies one look on top of the neutral correction: warm/cool shift the white balance by a few
 * percent in the mid-tones (ends stay put, so whites do not turn orange or blue); vivid adds
 * saturation around each pixel's luminance.
 */
export function applyGrade(neutral: RawImage, grade: Grade): RawImage {
  if (grade === 'neutral') return neutral;
  const out = Buffer.from(neutral.data);
  gradeInPlace(out, neutral.channels, grade);
  return { ...neutral, data: out };
}

function gradeInPlace(out: Uint8Array, channels: number, grade: Grade): void {
  if (grade === 'neutral') return;
  if (grade === 'vivid') {
    const sat = 1.3;
    for (let o = 0; o < out.length; o += channels) {
      const r = out[o], g = out[o + 1], b = out[o + 2];
      const l = 0.299 * r + 0.587 * g + 0.114 * b;
      out[o] = Math.max(0, Math.min(255, Math.round(l + (r - l) * sat)));
      out[o + 1] = Math.max(0, Math.min(255, Math.round(l + (g - l) * sat)));
      out[o + 2] = Math.max(0, Math.min(255, Math.round(l + (b - l) * sat)));
    }
    return;
  }
  const shift = grade === 'warm' ? [0.07, 0.015, -0.08] : [-0.06, 0, 0.08];
  const luts = shift.map((k) => {
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) {
      const x = v / 255;
      // x(1-x) weighting: the shift peaks in the mid-tones and vanishes at black and white.
      lut[v] = Math.max(0, Math.min(255, Math.round((x + 4 * k * x * (1 - x)) * 255)));
    }
    return lut;
  });
  for (let o = 0; o < out.length; o += channels) {
    out[o] = luts[0][out[o]];
    out[o + 1] = luts[1][out[o + 1]];
    out[o + 2] = luts[2][out[o + 2]];
  }
}

/** Neutral correction plus every grade, all in memory at once (the quality bench uses it). */
export function gradeAllKernel(raw: RawImage): RawImage[] {
  const rawBuf = { ...raw, data: Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength) };
  const neutral = applyCorrection(rawBuf, estimateCorrection(rawBuf));
  return GRADES.map((g) => applyGrade(neutral, g));
}

/** Pixels shared between the main thread and a pool worker: posted without a copy. */
interface SharedRaw {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** The neutral correction's tables, estimated in a pool worker from the shared pixels. */
export function estimateKernel(raw: SharedRaw): ColorCorrection {
  return estimateCorrection({ ...raw, data: Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength) });
}

/** One grade of `src` written into `dst` (both shared): the same pixels as applyGrade(applyCorrection(src)). */
export function gradeIntoKernel(req: { src: Uint8Array; dst: Uint8Array; channels: number; cc: ColorCorrection; grade: Grade }): void {
  req.dst.set(req.src);
  correctInPlace(req.dst, req.channels, req.cc);
  gradeInPlace(req.dst, req.channels, req.grade);
}

/** Photos up to this many pixel bytes (~5 MP RGB) get all four grades at once; larger ones one at a time. */
const SIDE_BY_SIDE_BYTES = 16 * 2 ** 20;

export function createColorCorrectEngine(deps: EngineDeps): Engine {
  const spec = feature('color-correct');
  const self = kernelHandle<typeof import('./color-correct.js')>(siblingModule(import.meta.url, 'color-correct'));
  return {
    feature: 'color-correct',
    availability: () => ({ available: true, implementation: "gray-edge illuminant estimate, von Kries white balance in linear light scaled by the evidence (agreeing estimates, the photo's own grays); neutral, warm, cool and vivid grades" }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      ctx.reportProgress(0.2);
      const decoded = await toRaw(src.image, src.hasAlpha ? 4 : 3);
      throwIfAborted(ctx.signal);
      // Memory on a 4096² photo (issue 14): the pixels live in shared memory, so the worker reads them
      // without a copy and writes each grade into a shared output. A large photo reuses one output,
      // encoded before the next grade overwrites it (two full-size buffers instead of ten); a small one
      // gets an output per grade, graded on every worker and encoded side by side (the encodes, not the
      // arithmetic, are most of a small photo's time).
      const { width, height, channels } = decoded;
      const pixels = moveToShared(decoded);
      const raw: SharedRaw = { data: pixels, width, height, channels };
      const cc = await self.run(deps.pool, 'estimateKernel', raw, { signal: ctx.signal });
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      let done = 0;
      const gradeAndEncode = async (grade: Grade, dst: Uint8Array): Promise<EngineOutput> => {
        await self.run(deps.pool, 'gradeIntoKernel', { src: pixels, dst, channels, cc, grade }, { signal: ctx.signal });
        const out = await encodeOutput({ data: Buffer.from(dst.buffer), width, height, channels }, ext, { meta: { grade } });
        ctx.reportProgress(0.3 + (0.7 * ++done) / GRADES.length);
        return out;
      };
      if (pixels.byteLength <= SIDE_BY_SIDE_BYTES) return Promise.all(GRADES.map((g) => gradeAndEncode(g, sharedBytes(pixels.byteLength))));
      const graded = sharedBytes(pixels.byteLength);
      const outputs: EngineOutput[] = [];
      for (const grade of GRADES) outputs.push(await gradeAndEncode(grade, graded));
      return outputs;
    },
  };
}
