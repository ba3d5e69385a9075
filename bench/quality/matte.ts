/**
 * Background removal, change and blur (sod, bg-replace, bg-blur): matte IoU against composites whose
 * alpha is known. A cut-out is made once from a photo with one clear subject (its ISNet matte,
 * thresholded to a hard mask, cropped to the subject), then pasted with that exact mask onto other
 * shared photos; the pasted mask is the truth. Caveat, said in the notes: the cut-out's outline came
 * from the same model, so the test is whether it finds the same subject again in a new scene, not
 * whether its outline is right. Baseline, in the same run: distance of each pixel's colour from the
 * photo border's mean colour, split by Otsu's threshold (what a simple "remove the backdrop" tool does).
 */
import sharp from 'sharp';
import { createBgBlurEngine } from '../../src/engines/neural/bg-blur.js';
import { createBgReplaceEngine } from '../../src/engines/neural/bg-replace.js';
import { createSodEngine } from '../../src/engines/neural/sod.js';
import type { Engine } from '../../src/engines/engine.js';
import { benchDeps, engineJob, runCtx } from './enhance.js';
import { encodePng, loadPhoto, type Rgb } from './images.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';

const SUBJECTS = ['portrait-julia.jpg', 'chelsea.png', 'coffee.png'];
const BACKGROUNDS = ['grass.png', 'brick.png', 'starry_night.jpg'];
const SIDE = 512;

interface Mask {
  data: Uint8Array;
  width: number;
  height: number;
}

async function alphaOf(png: Buffer): Promise<Mask> {
  const meta = await sharp(png).metadata();
  const img = meta.channels === 4 ? sharp(png).extractChannel(3) : sharp(png).toColourspace('b-w');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** The subject of `name`, cropped to its hard mask (alpha 0 or 255). */
async function cutOut(sod: Engine, name: string): Promise<{ rgb: Rgb; alpha: Mask }> {
  const photo = await loadPhoto(name, SIDE);
  const [out] = await sod.run(engineJob('sod', await encodePng(photo), {}), runCtx);
  const soft = await alphaOf(out.data);
  let x0 = photo.width, y0 = photo.height, x1 = 0, y1 = 0;
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      if (soft.data[y * photo.width + x] < 128) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  if (x1 <= x0) throw new Error(`no subject found in ${name}`);
  const w = x1 - x0, h = y1 - y0;
  const rgb = new Uint8Array(w * h * 3);
  const alpha = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y + y0) * photo.width + x + x0;
      alpha[y * w + x] = soft.data[s] >= 128 ? 255 : 0;
      for (let c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = photo.data[s * 3 + c];
    }
  }
  return { rgb: { data: rgb, width: w, height: h }, alpha: { data: alpha, width: w, height: h } };
}

/** Pastes the cut-out (scaled to 70 % of the background's height, bottom centre) with its exact mask. */
async function composite(cut: { rgb: Rgb; alpha: Mask }, bg: Rgb): Promise<{ image: Rgb; truth: Mask }> {
  const scale = Math.min((0.7 * bg.height) / cut.rgb.height, (0.8 * bg.width) / cut.rgb.width);
  const w = Math.max(1, Math.round(cut.rgb.width * scale));
  const h = Math.max(1, Math.round(cut.rgb.height * scale));
  const rgb = await sharp(Buffer.from(cut.rgb.data), { raw: { width: cut.rgb.width, height: cut.rgb.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
  // Nearest keeps the mask hard, so the truth has no soft pixels to argue about.
  const alpha = await sharp(Buffer.from(cut.alpha.data), { raw: { width: cut.alpha.width, height: cut.alpha.height, channels: 1 } }).resize(w, h, { fit: 'fill', kernel: 'nearest' })
    // sharp widens one channel to sRGB on output unless pinned.
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  const ox = Math.floor((bg.width - w) / 2);
  const oy = bg.height - h;
  const image = Uint8Array.from(bg.data);
  const truth = new Uint8Array(bg.width * bg.height);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (alpha[y * w + x] < 128) continue;
      const d = (y + oy) * bg.width + x + ox;
      truth[d] = 255;
      for (let c = 0; c < 3; c++) image[d * 3 + c] = rgb[(y * w + x) * 3 + c];
    }
  }
  return { image: { data: image, width: bg.width, height: bg.height }, truth: { data: truth, width: bg.width, height: bg.height } };
}

/** Otsu's threshold of values in 0..255. */
function otsu(values: Uint8Array): number {
  const hist = new Float64Array(256);
  for (const v of values) hist[v]++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i];
  let wB = 0, sumB = 0, best = 0, threshold = 0;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const between = wB * wF * (sumB / wB - (sumAll - sumB) / wF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/** Baseline matte: pixels whose colour is far (Otsu) from the mean colour of the image border. */
export function borderColourMatte(img: Rgb): Mask {
  const { width: w, height: h } = img;
  const ring = Math.max(1, Math.round(0.04 * Math.min(w, h)));
  const mean = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x >= ring && x < w - ring && y >= ring && y < h - ring) continue;
      for (let c = 0; c < 3; c++) mean[c] += img.data[(y * w + x) * 3 + c];
      n++;
    }
  }
  for (let c = 0; c < 3; c++) mean[c] /= n;
  const dist = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const d = Math.hypot(img.data[i * 3] - mean[0], img.data[i * 3 + 1] - mean[1], img.data[i * 3 + 2] - mean[2]);
    dist[i] = Math.min(255, Math.round(d / Math.sqrt(3)));
  }
  const t = otsu(dist);
  return { data: dist.map((d) => (d > t ? 255 : 0)), width: w, height: h };
}

/** Intersection over union of the two masks cut at 50 %. */
export function iou(a: Mask, truth: Mask): number {
  let inter = 0, union = 0;
  for (let i = 0; i < truth.data.length; i++) {
    const p = a.data[i] >= 128, q = truth.data[i] >= 128;
    if (p && q) inter++;
    if (p || q) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Mean absolute alpha error, 0..1 (soft edges count partly). */
function alphaError(a: Mask, truth: Mask): number {
  let e = 0;
  for (let i = 0; i < truth.data.length; i++) e += Math.abs(a.data[i] - truth.data[i]);
  return e / truth.data.length / 255;
}

const toRgb = (m: Mask): Rgb => ({ data: Uint8Array.from({ length: m.data.length * 3 }, (_, i) => m.data[Math.floor(i / 3)]), width: m.width, height: m.height });

async function run(): Promise<QualityRow[]> {
  const deps = benchDeps();
  const engines: Record<'sod' | 'bg-replace' | 'bg-blur', Engine> = { sod: createSodEngine(deps), 'bg-replace': createBgReplaceEngine(deps), 'bg-blur': createBgBlurEngine(deps) };
  const rows: QualityRow[] = [];
  const sheet: SheetRow[] = [];
  try {
    const backgrounds = await Promise.all(BACKGROUNDS.map((b) => loadPhoto(b, SIDE)));
    for (const subject of SUBJECTS) {
      const cut = await cutOut(engines.sod, subject);
      for (const [bi, bg] of backgrounds.entries()) {
        const { image, truth } = await composite(cut, bg);
        const png = await encodePng(image);
        const baseline = borderColourMatte(image);
        const c = `${subject} on ${BACKGROUNDS[bi]}`;
        // sod on every composite; the two features sharing its matte on one background each (their wiring).
        const features = (['sod', 'bg-replace', 'bg-blur'] as const).filter((f, i) => f === 'sod' || i === bi);
        for (const f of features) {
          const [out] = await engines[f].run(engineJob(f, png, {}), runCtx);
          const matte = await alphaOf(out.data);
          const score = iou(matte, truth);
          rows.push({ feature: f, case: c, metric: 'matte IoU', darkroom: score, baseline: iou(baseline, truth), baselineName: 'border colour + Otsu', better: 'higher' });
          rows.push({ feature: f, case: c, metric: 'mean alpha error', darkroom: alphaError(matte, truth), baseline: alphaError(baseline, truth), baselineName: 'border colour + Otsu', better: 'lower' });
          if (f === 'sod') sheet.push({ label: c, tiles: [image, toRgb(matte), toRgb(baseline), toRgb(truth)], notes: [undefined, `IoU ${score.toFixed(3)}`, `IoU ${iou(baseline, truth).toFixed(3)}`, undefined] });
          process.stderr.write(`${f} ${c}: IoU ${score.toFixed(3)} (baseline ${iou(baseline, truth).toFixed(3)})\n`);
        }
      }
    }
    await writeSheet('sod', ['composite', 'Darkroom matte', 'border colour + Otsu', 'truth'], sheet, { tileHeight: 192 });
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

export const quality: QualityModule = {
  features: ['sod', 'bg-replace', 'bg-blur'],
  run,
  floors: (['sod', 'bg-replace', 'bg-blur'] as const).flatMap((feature) => [
    { feature, metric: 'matte IoU', over: 'median' as const, limit: 0, better: 'higher' as const, versusBaseline: true },
    { feature, metric: 'mean alpha error', over: 'median' as const, limit: 0, better: 'lower' as const, versusBaseline: true },
  ]),
};
