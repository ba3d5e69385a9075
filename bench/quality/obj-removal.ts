/**
 * obj-removal quality: three random rectangles (each 12–20 % of each side, seeded) are removed from a
 * photo whose content there is known. Measured in the hole: PSNR against the original, and the ratio
 * of high-frequency energy to the original's (1 = right; below = smear, above = noise). Baseline:
 * OpenCV Telea (radius 5), run in a plain `node` child because OpenCV.js's WASM does not initialise
 * inside the tsx-loaded process. A second case per photo, one large centred ellipse, reports its
 * metrics as `large-hole …`, apart from the rectangles' medians.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import type { EngineDeps, EngineJob } from '../../src/engines/engine.js';
import { createObjectRemovalEngine } from '../../src/engines/pixel/object-removal.js';
import { createWorkerPool } from '../../src/engines/runtime/pool.js';
import { foreignColourShare, garbleShare, gradientSimilarity, maskedMsSsim, mixedColourShare, ringOf } from './fill-metrics.js';
import { decodeRgb, encodePng, loadPhoto, psnr, type Rgb } from './images.js';
import { highFrequencyEnergy } from './out-paint.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';
import { xorshift32 } from '../../src/util/xorshift.js';

const only = (names: string[]) => (process.env.QUALITY_PHOTOS ? names.filter((n) => process.env.QUALITY_PHOTOS!.split(',').includes(n)) : names);
const PHOTOS = only(['messi5.jpg', 'home.jpg', 'fruits.jpg', 'coffee.png', 'building.jpg', 'grass.png', 'brick.png', 'chelsea.png']);
const SIDE = Number(process.env.QUALITY_OBJREMOVAL_SIDE ?? 512);
const TELEA = 'OpenCV Telea r=5';
/** Floor of the colour check: at most this share of a fill may be colours its ring does not have. */
export const MAX_FOREIGN_SHARE = 0.05;


/** Three rectangles of 12–20 % of each side at random places (they may overlap). */
export function randomRectangles(w: number, h: number, seed: number): Uint8Array {
  const rand = xorshift32(seed);
  const mask = new Uint8Array(w * h);
  for (let k = 0; k < 3; k++) {
    const rw = Math.round(w * (0.12 + 0.08 * rand())), rh = Math.round(h * (0.12 + 0.08 * rand()));
    const x0 = Math.floor(rand() * (w - rw)), y0 = Math.floor(rand() * (h - rh));
    for (let y = y0; y < y0 + rh; y++) mask.fill(1, y * w + x0, y * w + x0 + rw);
  }
  return mask;
}

/**
 * One large hole: a centred ellipse 24 % of each side (the size of a person or car removed from a
 * scene), where the fill must continue the scene's structure, not only match its mean.
 */
export function centredEllipse(w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x + 0.5 - w / 2) / (0.12 * w)) ** 2 + ((y + 0.5 - h / 2) / (0.12 * h)) ** 2 <= 1) mask[y * w + x] = 1;
  return mask;
}

/** Ellipses and rectangles given as fractions of the photo's sides. */
type Shape = { ellipse: [cx: number, cy: number, rx: number, ry: number] } | { rects: [x0: number, y0: number, x1: number, y1: number][] };

export function shapeMask(w: number, h: number, shape: Shape): Uint8Array {
  const mask = new Uint8Array(w * h);
  if ('ellipse' in shape) {
    const [cx, cy, rx, ry] = shape.ellipse;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x + 0.5) / w - cx) ** 2 / rx ** 2 + ((y + 0.5) / h - cy) ** 2 / ry ** 2 <= 1) mask[y * w + x] = 1;
  } else {
    for (const [x0, y0, x1, y1] of shape.rects) for (let y = Math.round(y0 * h); y < Math.round(y1 * h); y++) mask.fill(1, y * w + Math.round(x0 * w), y * w + Math.round(x1 * w));
  }
  return mask;
}

/**
 * Hard cases cut from the shared photos, measured with the large holes: out-of-focus background
 * beside a subject (a fill must not copy the cat's fur into the bokeh), a face and clothes (large
 * holes with nothing alike to copy nearby), and the regular rows of a facade.
 */
export const HARD_CASES: { photo: string; label: string; shape: Shape }[] = [
  { photo: 'chelsea.png', label: 'bokeh beside the subject', shape: { rects: [[0.83, 0.12, 0.97, 0.38], [0.84, 0.5, 0.98, 0.76]] } },
  { photo: 'astronaut.png', label: 'face', shape: { ellipse: [0.45, 0.24, 0.09, 0.12] } },
  { photo: 'astronaut.png', label: 'clothes', shape: { ellipse: [0.38, 0.72, 0.11, 0.1] } },
  { photo: 'building.jpg', label: 'facade rows', shape: { rects: [[0.3, 0.3, 0.6, 0.55]] } },
];
const HARD = HARD_CASES.filter((c) => !process.env.QUALITY_PHOTOS || process.env.QUALITY_PHOTOS.split(',').includes(c.photo));

const TELEA_SCRIPT = `
const fs = require('fs');
const [rgbFile, maskFile, outFile, w, h] = process.argv.slice(1);
const cv = require('@techstark/opencv-js');
cv.onRuntimeInitialized = () => {
  const W = Number(w), H = Number(h);
  const src = cv.matFromArray(H, W, cv.CV_8UC3, Array.from(fs.readFileSync(rgbFile)));
  const m = cv.matFromArray(H, W, cv.CV_8UC1, Array.from(fs.readFileSync(maskFile)));
  const dst = new cv.Mat();
  cv.inpaint(src, m, dst, 5, cv.INPAINT_TELEA);
  fs.writeFileSync(outFile, Buffer.from(dst.data));
  process.exit(0);
};`;

function telea(tmp: string, img: Rgb, mask: Uint8Array): Rgb {
  const rgbFile = path.join(tmp, 'rgb.raw'), maskFile = path.join(tmp, 'mask.raw'), outFile = path.join(tmp, 'out.raw');
  writeFileSync(rgbFile, img.data);
  writeFileSync(maskFile, mask.map((v) => (v ? 255 : 0)));
  execFileSync(process.execPath, ['-e', TELEA_SCRIPT, rgbFile, maskFile, outFile, String(img.width), String(img.height)], { cwd: process.cwd() });
  return { data: new Uint8Array(readFileSync(outFile)), width: img.width, height: img.height };
}

function withHoleGray(img: Rgb, mask: Uint8Array): Rgb {
  const data = Uint8Array.from(img.data);
  for (let i = 0; i < mask.length; i++) if (mask[i]) data.fill(128, 3 * i, 3 * i + 3);
  return { ...img, data };
}

export async function run(): Promise<QualityRow[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'darkroom-quality-objrem-'));
  const deps: EngineDeps = { config: loadConfig({ dataDir: tmp }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
  const engine = createObjectRemovalEngine(deps);
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };
  const rows: QualityRow[] = [];
  const sheet: SheetRow[] = [];
  try {
    const cases: { photo: string; label: string; large: boolean; mask: (w: number, h: number) => Uint8Array }[] = [];
    for (const [k, name] of PHOTOS.entries()) {
      cases.push({ photo: name, label: '3 rectangles', large: false, mask: (w, h) => randomRectangles(w, h, 1000 + k) });
      cases.push({ photo: name, label: 'large ellipse', large: true, mask: centredEllipse });
    }
    for (const c of HARD) cases.push({ photo: c.photo, label: c.label, large: true, mask: (w, h) => shapeMask(w, h, c.shape) });
    for (const { photo: name, label, large, mask: makeMask } of cases) {
      const truth = await loadPhoto(name, SIDE);
      const { width: w, height: h } = truth;
      {
        const mask = makeMask(w, h);
        const maskPng = await sharp(Buffer.from(mask.map((v) => (v ? 255 : 0))), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
        const job: EngineJob = {
          taskId: 'quality', feature: 'obj-removal', outputExt: 'png', params: {},
          files: {
            src_ids: [{ fileId: 'src', fileName: 'src.png', contentType: 'image/png', data: await encodePng(truth) }],
            mask_ids: [{ fileId: 'mask', fileName: 'mask.png', contentType: 'image/png', data: maskPng }],
          },
        };
        const t0 = performance.now();
        const out = await decodeRgb((await engine.run(job, ctx))[0].data);
        const seconds = (performance.now() - t0) / 1000;
        const base = telea(tmp, truth, mask);
        const inHole = (x: number, y: number) => mask[y * w + x] === 1;
        const hfTruth = highFrequencyEnergy(truth, inHole);
        const hf = highFrequencyEnergy(out, inHole) / hfTruth;
        const hfBase = highFrequencyEnergy(base, inHole) / hfTruth;
        const c = `${name} ${label}`;
        // The large hole's metrics carry their own names, so the rectangles' medians (and floors) stay as they were.
        const m = (metric: string) => (large ? `large-hole ${metric}` : metric);
        const add = (metric: string, darkroom: number, baseline: number, better: 'higher' | 'lower', notes?: string) =>
          rows.push({ feature: 'obj-removal', case: c, metric: m(metric), darkroom, baseline, baselineName: TELEA, better, ...(notes ? { notes } : {}) });
        add('hole PSNR dB', psnr(out, truth, mask), psnr(base, truth, mask), 'higher');
        add('HF ratio', hf, hfBase, 'higher', '1 = the original\'s texture');
        add('HF ratio |log|', Math.abs(Math.log(hf)), Math.abs(Math.log(hfBase)), 'lower', 'distance of the HF ratio from 1');
        add('hole gradient similarity', gradientSimilarity(out, truth, mask), gradientSimilarity(base, truth, mask), 'higher', 'structure: blur and garble both lower it');
        add('hole MS-SSIM', maskedMsSsim(out, truth, mask), maskedMsSsim(base, truth, mask), 'higher', 'prefers a smooth smear to texture out of place');
        const ring = ringOf(mask, w, h, Math.max(6, Math.round(0.03 * Math.max(w, h))));
        add('foreign colour share', foreignColourShare(out, mask, ring), foreignColourShare(base, mask, ring), 'lower', `colours > ΔE 10 from every ring colour; original ${foreignColourShare(truth, mask, ring).toFixed(3)}`);
        add('mixed colour share', mixedColourShare(out, mask, ring), mixedColourShare(base, mask, ring), 'lower', `mixtures of two of the ring's areas, near neither; original ${mixedColourShare(truth, mask, ring).toFixed(3)}`);
        add('garble share', garbleShare(out, truth, mask), garbleShare(base, truth, mask), 'lower', 'hard edges where the original is smooth');
        rows.push({ feature: 'obj-removal', case: c, metric: m('seconds'), darkroom: seconds, better: 'lower' });
        process.stderr.write(`obj-removal ${c}: ${seconds.toFixed(1)} s\n`);
        sheet.push({ label: c, tiles: [withHoleGray(truth, mask), out, base, truth] });
      }
    }
    await writeSheet('obj-removal', ['input (hole gray)', 'Darkroom', TELEA, 'original'], sheet);
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

export const quality: QualityModule = {
  features: ['obj-removal'],
  run,
  floors: [
    { feature: 'obj-removal', metric: 'hole PSNR dB', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    { feature: 'obj-removal', metric: 'HF ratio |log|', over: 'median', limit: 0, better: 'lower', versusBaseline: true },
    { feature: 'obj-removal', metric: 'hole gradient similarity', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    { feature: 'obj-removal', metric: 'large-hole hole gradient similarity', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    { feature: 'obj-removal', metric: 'foreign colour share', over: 'every', limit: MAX_FOREIGN_SHARE, better: 'lower' },
    { feature: 'obj-removal', metric: 'large-hole foreign colour share', over: 'every', limit: MAX_FOREIGN_SHARE, better: 'lower' },
  ],
};
