import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw, type RawImage } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';

/** Value at the given fraction of a 256-bin histogram. */
function percentile(hist: Uint32Array, total: number, fraction: number): number {
  const target = total * fraction;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= target) return v;
  }
  return 255;
}

export interface ColorCorrection {
  /** Per-channel look-up tables (R, G, B) applied to every pixel. */
  luts: [Uint8Array, Uint8Array, Uint8Array];
  gains: [number, number, number];
  black: number;
  white: number;
}

/**
 * Automatic white balance (gray world over mid-tones, so that blown highlights and deep shadows do
 * not skew it) followed by levels (0.5 %/99.5 % luminance stretch) and a gentle contrast curve.
 */
export function estimateCorrection(raw: RawImage): ColorCorrection {
  const { data, channels } = raw;
  const n = raw.width * raw.height;
  const sums = [0, 0, 0];
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const r = data[o], g = data[o + 1], b = data[o + 2];
    const l = (r + g + b) / 3;
    if (l < 16 || l > 240) continue;
    sums[0] += r; sums[1] += g; sums[2] += b;
    counted++;
  }
  const means = counted > 0 ? sums.map((s) => s / counted) : [1, 1, 1];
  const gray = (means[0] + means[1] + means[2]) / 3;
  const gains = means.map((m) => Math.min(1.8, Math.max(0.55, gray / Math.max(m, 1)))) as [number, number, number];

  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const l = 0.299 * Math.min(255, data[o] * gains[0]) + 0.587 * Math.min(255, data[o + 1] * gains[1]) + 0.114 * Math.min(255, data[o + 2] * gains[2]);
    hist[Math.round(l)]++;
  }
  const black = percentile(hist, n, 0.005);
  let white = percentile(hist, n, 0.995);
  if (white - black < 32) white = Math.min(255, black + 32);
  const span = white - black;

  const luts = [0, 1, 2].map((c) => {
    const lut = new Uint8Array(256);
    for (let v = 0; v < 256; v++) {
      const x = Math.min(1, Math.max(0, (v * gains[c] - black) / span));
      // Smoothstep blended 30 % with identity: more contrast in mid-tones, no clipping added at the ends.
      const curved = 0.7 * x + 0.3 * x * x * (3 - 2 * x);
      lut[v] = Math.round(curved * 255);
    }
    return lut;
  }) as [Uint8Array, Uint8Array, Uint8Array];
  return { luts, gains, black, white };
}

export function applyCorrection(raw: RawImage, cc: ColorCorrection): RawImage {
  const out = Buffer.from(raw.data);
  const { channels } = raw;
  const [lr, lg, lb] = cc.luts;
  for (let o = 0; o < out.length; o += channels) {
    out[o] = lr[out[o]];
    out[o + 1] = lg[out[o + 1]];
    out[o + 2] = lb[out[o + 2]];
  }
  return { ...raw, data: out };
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
  const { channels } = neutral;
  if (grade === 'vivid') {
    const sat = 1.3;
    for (let o = 0; o < out.length; o += channels) {
      const r = out[o], g = out[o + 1], b = out[o + 2];
      const l = 0.299 * r + 0.587 * g + 0.114 * b;
      out[o] = Math.max(0, Math.min(255, Math.round(l + (r - l) * sat)));
      out[o + 1] = Math.max(0, Math.min(255, Math.round(l + (g - l) * sat)));
      out[o + 2] = Math.max(0, Math.min(255, Math.round(l + (b - l) * sat)));
    }
    return { ...neutral, data: out };
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
  return { ...neutral, data: out };
}

/** Neutral correction plus every grade; runs in a pool worker. */
export function gradeAllKernel(raw: RawImage): RawImage[] {
  const rawBuf = { ...raw, data: Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength) };
  const neutral = applyCorrection(rawBuf, estimateCorrection(rawBuf));
  return GRADES.map((g) => applyGrade(neutral, g));
}

export function createColorCorrectEngine(deps: EngineDeps): Engine {
  const spec = feature('color-correct');
  const self = siblingModule(import.meta.url, 'color-correct');
  return {
    feature: 'color-correct',
    availability: () => ({ available: true, implementation: 'gray-world white balance + levels + contrast curve; neutral, warm, cool and vivid grades' }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      ctx.reportProgress(0.2);
      const raw = await toRaw(src.image, src.hasAlpha ? 4 : 3);
      throwIfAborted(ctx.signal);
      const graded = await deps.pool.run<RawImage[]>(self, 'gradeAllKernel', raw, { signal: ctx.signal });
      ctx.reportProgress(0.8);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return Promise.all(graded.map((g, i) => encodeOutput({ ...g, data: Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength) }, ext, { meta: { grade: GRADES[i] } })));
    },
  };
}
