/**
 * Colour correction's pixel work, run in pool threads: the neutral correction's tables and the
 * grades. Apart from the engine (color-correct.ts) so a thread loads only this arithmetic, not the
 * image codecs and the feature table.
 */
import type { RawImage } from '../image-io.js';
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
export interface SharedRaw {
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

