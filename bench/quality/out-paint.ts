/**
 * out-paint quality: the center 70 % of a photo is extended back to the full photo, so the original is
 * the ground truth for the fill. Measured per photo: PSNR of the fill, texture ratio (high-frequency
 * energy of the fill / of the original there), seam ratio (the largest step between neighbouring
 * rings within 8 px of the input border / the original's largest there) and the share of the fill ISNet calls foreground (repeated subject).
 * The same at 50, 40 and 30 % (the input's side as a share of the canvas's): large extensions, where
 * exemplar fills garble. Beside PSNR: the gradient similarity and MS-SSIM of the fill, a garble share, the largest region copied
 * from the input and a colour check against the input's border (bench/quality/fill-metrics.ts).
 * A large-extension case (the photo at 40 % in the middle of its own canvas) measures repetition alone.
 * Baseline: a blurred mirror (the input reflected outward, blurred more with distance).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import type { EngineDeps, EngineJob } from '../../src/engines/engine.js';
import { foregroundMatte } from '../../src/engines/neural/matte.js';
import { createImageExtenderEngine } from '../../src/engines/pixel/image-extender.js';
import { createWorkerPool } from '../../src/engines/runtime/pool.js';
import { foreignColourShare, garbleShare, gradientSimilarity, largestCopy, maskedMsSsim, ringOf } from './fill-metrics.js';
import { decodeRgb, encodePng, loadPhoto, psnr, type Rgb } from './images.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';
import { reflect } from '../../src/engines/pixel/border-blend.js';

/** QUALITY_PHOTOS=a.png,b.jpg narrows a run while iterating. */
const only = (names: string[]) => (process.env.QUALITY_PHOTOS ? names.filter((n) => process.env.QUALITY_PHOTOS!.split(',').includes(n)) : names);
const PHOTOS = only(['chelsea.png', 'coffee.png', 'home.jpg', 'rocket.jpg', 'fruits.jpg', 'grass.png', 'brick.png', 'astronaut.png']);
/** Photos for the large-extension case: a subject that a small input makes easy to repeat. */
const SMALL_SUBJECT = only(['chelsea.png', 'coffee.png', 'rocket.jpg']);
const SIDE = Number(process.env.QUALITY_OUTPAINT_SIDE ?? 512);
const MIRROR = 'blurred mirror';
/** The input's side as a share of the canvas's: the bench's original 70 % and the large extensions. */
const SIZES = (process.env.QUALITY_OUTPAINT_SIZES ?? '70,50,40,30').split(',').map(Number);
/** A repeated region up to this side (px, at the bench's 512 px) is a patch, not a copied fragment. */
export const SMALL_PATCH = 24;
/** Floor of the colour check: at most this share of a fill may be colours the input's border does not have. */
const MAX_FOREIGN_SHARE = 0.05;

interface Rect { x0: number; y0: number; x1: number; y1: number }

/** Luma Laplacian energy over the pixels `pick` selects (their 4 neighbours inside the image). */
export function highFrequencyEnergy(img: Rgb, pick: (x: number, y: number) => boolean): number {
  const { width: w, height: h, data } = img;
  const Y = (x: number, y: number) => { const i = 3 * (y * w + x); return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]; };
  let s = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      if (!pick(x, y)) continue;
      const lap = 4 * Y(x, y) - Y(x - 1, y) - Y(x + 1, y) - Y(x, y - 1) - Y(x, y + 1);
      s += lap * lap;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/**
 * Mean absolute RGB step between ring `k` around the input (0 = its outermost row/column) and ring
 * k + 1, along the input's four sides.
 */
export function borderStep(img: Rgb, r: Rect, k = 0): number {
  const { width: w, height: h, data } = img;
  let s = 0, n = 0;
  const add = (ax: number, ay: number, bx: number, by: number) => {
    if (ax < 0 || ay < 0 || ax >= w || ay >= h || bx < 0 || by < 0 || bx >= w || by >= h) return;
    for (let c = 0; c < 3; c++) s += Math.abs(data[3 * (ay * w + ax) + c] - data[3 * (by * w + bx) + c]);
    n += 3;
  };
  for (let y = r.y0; y < r.y1; y++) { add(r.x0 - k, y, r.x0 - k - 1, y); add(r.x1 - 1 + k, y, r.x1 + k, y); }
  for (let x = r.x0; x < r.x1; x++) { add(x, r.y0 - k, x, r.y0 - k - 1); add(x, r.y1 - 1 + k, x, r.y1 + k); }
  return n ? s / n : 0;
}

/** Rings whose steps the seam ratio looks at: past the classical engine's border band (≤ 6 px at 512). */
const SEAM_RINGS = 8;

/**
 * Seam ratio: the largest ring-to-ring step of `img` from the input's edge out to SEAM_RINGS px (a
 * frame shows as one large step, wherever the hand-over puts it) over the original's largest step
 * across the same rings (the original scores 1). The step across the border alone would miss a frame
 * a pixel out, and reads 0 when the edge row is repeated.
 */
export function seamRatio(img: Rgb, truth: Rgb, r: Rect): number {
  let worst = 0, truthWorst = 0;
  for (let k = 0; k < SEAM_RINGS; k++) {
    worst = Math.max(worst, borderStep(img, r, k));
    truthWorst = Math.max(truthWorst, borderStep(truth, r, k));
  }
  return worst / truthWorst;
}


/** Baseline: reflect the input outward, then blur increasingly with the distance from the input. */
export async function blurredMirror(canvas: Rgb, r: Rect): Promise<Rgb> {
  const { width: w, height: h } = canvas;
  const mirror = new Uint8Array(w * h * 3);
  const dist = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = reflect(y, r.y0, r.y1);
    for (let x = 0; x < w; x++) {
      const sx = reflect(x, r.x0, r.x1);
      const o = 3 * (y * w + x), s = 3 * (sy * w + sx);
      mirror[o] = canvas.data[s]; mirror[o + 1] = canvas.data[s + 1]; mirror[o + 2] = canvas.data[s + 2];
      dist[y * w + x] = Math.max(r.x0 - x, x - r.x1 + 1, r.y0 - y, y - r.y1 + 1, 0);
    }
  }
  const sigmas = [0, 1, 2, 4, 8, 16, 32];
  const stack = await Promise.all(sigmas.map(async (sg) => sg === 0 ? mirror : new Uint8Array(await sharp(Buffer.from(mirror), { raw: { width: w, height: h, channels: 3 } }).blur(sg).raw().toBuffer())));
  const out = Uint8Array.from(canvas.data);
  for (let p = 0; p < w * h; p++) {
    if (dist[p] === 0) continue;
    const sg = Math.min(32, dist[p] / 4);
    let k = 0;
    while (k < sigmas.length - 2 && sigmas[k + 1] < sg) k++;
    const a = Math.min(1, Math.max(0, (sg - sigmas[k]) / (sigmas[k + 1] - sigmas[k])));
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.round((1 - a) * stack[k][3 * p + c] + a * stack[k + 1][3 * p + c]);
  }
  return { data: out, width: w, height: h };
}

function makeDeps(): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-quality-outpaint-'));
  return { config: loadConfig({ dataDir }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
}

async function extend(deps: EngineDeps, photo: Rgb, r: Rect, outW: number, outH: number): Promise<{ out: Rgb; seconds: number }> {
  const engine = createImageExtenderEngine(deps);
  const png = await encodePng(photo);
  const job: EngineJob = {
    taskId: 'quality', feature: 'out-paint', outputExt: 'png',
    files: { src_ids: [{ fileId: 'src', fileName: 'src.png', contentType: 'image/png', data: png }] },
    params: {
      output_width: outW, output_height: outH, input_x: r.x0, input_y: r.y0, input_width: r.x1 - r.x0, input_height: r.y1 - r.y0,
      crop_input_x: 0, crop_input_y: 0, crop_input_width: photo.width, crop_input_height: photo.height,
    },
  };
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };
  const t0 = performance.now();
  const [res] = await engine.run(job, ctx);
  return { out: await decodeRgb(res.data), seconds: (performance.now() - t0) / 1000 };
}

/** Share of fill pixels ISNet calls foreground (matte > 50 %). */
async function subjectShare(deps: EngineDeps, img: Rgb, inFill: (x: number, y: number) => boolean): Promise<number> {
  const matte = await foregroundMatte(deps.pool, sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }), img.width, img.height, { modelsDir: deps.config.engines.modelsDir });
  let fg = 0, n = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    if (!inFill(x, y)) continue;
    n++;
    if (matte[y * img.width + x] > 127) fg++;
  }
  return fg / n;
}

function crop(img: Rgb, r: Rect): Rgb {
  const w = r.x1 - r.x0, h = r.y1 - r.y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(3 * ((y + r.y0) * img.width + r.x0), 3 * ((y + r.y0) * img.width + r.x1)), 3 * y * w);
  return { data, width: w, height: h };
}

/** The input on a gray canvas, for the contact sheet. */
function placedOnGray(input: Rgb, r: Rect, w: number, h: number): Rgb {
  const data = new Uint8Array(w * h * 3).fill(128);
  for (let y = 0; y < input.height; y++) data.set(input.data.subarray(3 * y * input.width, 3 * (y + 1) * input.width), 3 * ((y + r.y0) * w + r.x0));
  return { data, width: w, height: h };
}

export async function run(): Promise<QualityRow[]> {
  const deps = makeDeps();
  const rows: QualityRow[] = [];
  const sheet: SheetRow[] = [];
  const row = (c: string, metric: string, darkroom: number, better: 'higher' | 'lower', baseline?: number, notes?: string): void => {
    rows.push({ feature: 'out-paint', case: c, metric, darkroom, better, ...(baseline === undefined ? {} : { baseline, baselineName: MIRROR }), ...(notes ? { notes } : {}) });
  };
  try {
    for (const size of SIZES) for (const name of PHOTOS) {
      const truth = await loadPhoto(name, SIDE);
      const { width: w, height: h } = truth;
      const f = (1 - size / 100) / 2;
      const r: Rect = { x0: Math.round(w * f), y0: Math.round(h * f), x1: Math.round(w * (1 - f)), y1: Math.round(h * (1 - f)) };
      const inFill = (x: number, y: number) => x < r.x0 || x >= r.x1 || y < r.y0 || y >= r.y1;
      const fillMask = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) fillMask[y * w + x] = inFill(x, y) ? 1 : 0;
      const inside = fillMask.map((v) => 1 - v);
      const input = crop(truth, r);
      const { out, seconds } = await extend(deps, input, r, w, h);
      const mirror = await blurredMirror(placedOnGray(input, r, w, h), r);
      const hfTruth = highFrequencyEnergy(truth, inFill);
      const c = `${name} center ${size}%`;
      // The 70 % case keeps its metric names (and floors); the larger extensions are measured apart.
      const m = (metric: string) => (size === 70 ? metric : `${metric} @${size}%`);
      row(c, m('fill PSNR dB'), psnr(out, truth, fillMask), 'higher', psnr(mirror, truth, fillMask));
      row(c, `fill gradient similarity @${size}%`, gradientSimilarity(out, truth, fillMask), 'higher', gradientSimilarity(mirror, truth, fillMask), 'structure: blur and garble both lower it');
      row(c, `fill MS-SSIM @${size}%`, maskedMsSsim(out, truth, fillMask), 'higher', maskedMsSsim(mirror, truth, fillMask), 'prefers a smooth smear to texture out of place');
      row(c, m('texture ratio'), highFrequencyEnergy(out, inFill) / hfTruth, 'higher', highFrequencyEnergy(mirror, inFill) / hfTruth, '1 = the original\'s texture');
      row(c, 'seam ratio', seamRatio(out, truth, r), 'lower', seamRatio(mirror, truth, r), `largest ring-to-ring step within ${SEAM_RINGS} px of the input / the original's largest there (${borderStep(truth, r).toFixed(1)} across the border)`);
      row(c, m('garble share'), garbleShare(out, truth, fillMask), 'lower', garbleShare(mirror, truth, fillMask), 'hard edges where the original is smooth');
      row(c, 'largest repeated region px', largestCopy(out, fillMask, inside), 'lower', largestCopy(mirror, fillMask, inside), 'side of a square: fill copied from the input by one translation');
      // Colours of the fill against the input's border band (its ring, from the inside).
      const ring = ringOf(fillMask, w, h, Math.max(6, Math.round(0.1 * Math.min(r.x1 - r.x0, r.y1 - r.y0))));
      row(c, 'foreign colour share', foreignColourShare(out, fillMask, ring), 'lower', foreignColourShare(mirror, fillMask, ring), `colours > ΔE 10 from every border colour; original ${foreignColourShare(truth, fillMask, ring).toFixed(3)}`);
      if (size === 70) {
        const fgTruth = await subjectShare(deps, truth, inFill);
        row(c, 'subject share of fill', await subjectShare(deps, out, inFill), 'lower', await subjectShare(deps, mirror, inFill), `original ${fgTruth.toFixed(3)}`);
      }
      row(c, m('seconds'), seconds, 'lower');
      process.stderr.write(`out-paint ${c}: ${seconds.toFixed(1)} s\n`);
      sheet.push({ label: c, tiles: [placedOnGray(input, r, w, h), out, mirror, truth] });
    }
    for (const name of SMALL_SUBJECT) {
      const photo = await loadPhoto(name, SIDE);
      const { width: w, height: h } = photo;
      const sw = Math.round(w * 0.4), sh = Math.round(h * 0.4);
      const small = await decodeRgb(await sharp(Buffer.from(photo.data), { raw: { width: w, height: h, channels: 3 } }).resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer());
      const r: Rect = { x0: (w - sw) >> 1, y0: (h - sh) >> 1, x1: ((w - sw) >> 1) + sw, y1: ((h - sh) >> 1) + sh };
      const inFill = (x: number, y: number) => x < r.x0 || x >= r.x1 || y < r.y0 || y >= r.y1;
      const { out, seconds } = await extend(deps, small, r, w, h);
      const mirror = await blurredMirror(placedOnGray(small, r, w, h), r);
      const c = `${name} 40% in its own canvas`;
      const inputShare = await subjectShare(deps, small, () => true);
      row(c, 'large-extension subject share of fill', await subjectShare(deps, out, inFill), 'lower', await subjectShare(deps, mirror, inFill), `input itself ${inputShare.toFixed(3)} foreground`);
      process.stderr.write(`out-paint ${c}: ${seconds.toFixed(1)} s\n`);
      sheet.push({ label: c, tiles: [placedOnGray(small, r, w, h), out, mirror, photo] });
    }
    await writeSheet('out-paint', ['input', 'Darkroom', MIRROR, 'original'], sheet);
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

export const quality: QualityModule = {
  features: ['out-paint'],
  run,
  floors: [
    { feature: 'out-paint', metric: 'seam ratio', over: 'every', limit: 1.3, better: 'lower' },
    { feature: 'out-paint', metric: 'fill PSNR dB', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    ...SIZES.map((size) => ({ feature: 'out-paint', metric: `fill gradient similarity @${size}%`, over: 'median' as const, limit: 0, better: 'higher' as const, versusBaseline: true })),
    { feature: 'out-paint', metric: 'largest repeated region px', over: 'every', limit: SMALL_PATCH, better: 'lower' },
    { feature: 'out-paint', metric: 'foreign colour share', over: 'every', limit: MAX_FOREIGN_SHARE, better: 'lower' },
  ],
};
