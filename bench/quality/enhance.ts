/**
 * Photo enhance (x1, x2, x4) on synthetic ground truth. Super resolution: shared photos (long side
 * ≤ 512 px) are shrunk by 2 (or 4) with a true area average — what a camera or a thumbnailer does —
 * and with bicubic, then enlarged back by Darkroom, bicubic and Lanczos3; PSNR/SSIM against the
 * original. Restoration (x1): photos degraded mildly (JPEG q=40, Gaussian blur σ=1) go through
 * enhance x1; the degraded input itself is the baseline (do no harm: it must not move further from
 * the clean original). Times per case are reported beside, for the speed floors.
 */
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import type { EngineDeps, EngineJob } from '../../src/engines/engine.js';
import { createEnhanceEngine } from '../../src/engines/neural/enhance.js';
import { createWorkerPool } from '../../src/engines/runtime/pool.js';
import { decodeRgb, encodePng, loadPhoto, psnr, ssim, type Rgb } from './images.js';
import { srPhotoSets } from './photo-sets.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';

const SR_PHOTOS = ['baboon.jpg', 'fruits.jpg', 'chelsea.png', 'coffee.png', 'building.jpg', 'portrait-julia.jpg'];
const X4_PHOTOS = ['fruits.jpg', 'building.jpg', 'chelsea.png'];
const RESTORE_PHOTOS = ['fruits.jpg', 'chelsea.png', 'coffee.png', 'portrait-julia.jpg', 'home.jpg'];
const MAX_SIDE = Number(process.env.QUALITY_ENHANCE_SIDE ?? 512);
/** Photo sets beyond the bench photos (photo-sets.ts): the x2 floor must hold on each, not only on the shared six. */
const OTHER_SETS = ['other shared photos', 'native-scale crops', 'npm photos', 'made scenes'] as const;

/** Shrinks by an integer factor, each output pixel the mean of its f×f block (a true area average). */
export function areaDownscale(img: Rgb, f: number): Rgb {
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) s += img.data[((y * f + j) * img.width + x * f + i) * 3 + c];
        out[(y * w + x) * 3 + c] = Math.round(s / (f * f));
      }
    }
  }
  return { data: out, width: w, height: h };
}

type Kernel = 'cubic' | 'lanczos3';
const kernels: Record<Kernel, { support: number; fn: (x: number) => number }> = {
  // Keys' cubic convolution, a = -0.5 (what "bicubic" means in most image tools).
  cubic: {
    support: 2,
    fn: (x) => {
      const t = Math.abs(x);
      if (t < 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
      if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    fn: (x) => {
      if (x === 0) return 1;
      if (Math.abs(x) >= 3) return 0;
      const p = Math.PI * x;
      return (3 * Math.sin(p) * Math.sin(p / 3)) / (p * p);
    },
  },
};

/**
 * Separable resampling with pixel centres aligned (the convention of area averaging and of the
 * networks). Written here because sharp 0.34 enlarges with the same interpolator whatever `kernel`
 * says, so its "lanczos3" and "cubic" enlargements are identical.
 */
export function resample(img: Rgb, W: number, H: number, kernel: Kernel): Rgb {
  const k = kernels[kernel];
  const taps = (n: number, N: number) => {
    const scale = n / N;
    const blur = Math.max(1, scale);
    return Array.from({ length: N }, (_, X) => {
      const centre = (X + 0.5) * scale - 0.5;
      const lo = Math.floor(centre - k.support * blur) + 1;
      const hi = Math.floor(centre + k.support * blur);
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = lo; i <= hi; i++) {
        idx.push(Math.min(n - 1, Math.max(0, i)));
        w.push(k.fn((i - centre) / blur));
      }
      const sum = w.reduce((a, b) => a + b, 0);
      return { idx, w: w.map((v) => v / sum) };
    });
  };
  const tx = taps(img.width, W);
  const ty = taps(img.height, H);
  const mid = new Float32Array(W * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    for (let X = 0; X < W; X++) {
      const { idx, w } = tx[X];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < idx.length; t++) s += img.data[(y * img.width + idx[t]) * 3 + c] * w[t];
        mid[(y * W + X) * 3 + c] = s;
      }
    }
  }
  const out = new Uint8Array(W * H * 3);
  for (let Y = 0; Y < H; Y++) {
    const { idx, w } = ty[Y];
    for (let X = 0; X < W; X++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = 0; t < idx.length; t++) s += mid[(idx[t] * W + X) * 3 + c] * w[t];
        out[(Y * W + X) * 3 + c] = s <= 0 ? 0 : s >= 255 ? 255 : Math.round(s);
      }
    }
  }
  return { data: out, width: W, height: H };
}

function crop(img: Rgb, x: number, y: number, w: number, h: number): Rgb {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) out.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { data: out, width: w, height: h };
}

/** A zoomed view: the centre `side`² of a full-size image (and the matching part of the shrunk input, enlarged by pixel repetition). */
function zoom(img: Rgb, side: number, factor = 1): Rgb {
  const s = Math.floor(side / factor);
  const part = crop(img, Math.floor((img.width - s) / 2), Math.floor((img.height - s) / 2), s, s);
  if (factor === 1) return part;
  const out = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) for (let c = 0; c < 3; c++) out[(y * side + x) * 3 + c] = part.data[(Math.floor(y / factor) * s + Math.floor(x / factor)) * 3 + c];
  return { data: out, width: side, height: side };
}

/** Crops to a multiple of `f` so the shrunk image enlarges back to exactly the original's size. */
function cropToMultiple(img: Rgb, f: number): Rgb {
  const w = img.width - (img.width % f);
  const h = img.height - (img.height % f);
  if (w === img.width && h === img.height) return img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(y * img.width * 3, y * img.width * 3 + w * 3), y * w * 3);
  return { data: out, width: w, height: h };
}

async function jpegRoundTrip(img: Rgb, quality: number): Promise<Rgb> {
  const jpg = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
  return decodeRgb(jpg);
}

async function gaussianBlur(img: Rgb, sigma: number): Promise<Rgb> {
  const { data } = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).blur(sigma).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: img.width, height: img.height };
}

export function benchDeps(): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-quality-'));
  return { config: loadConfig({ dataDir, engines: { nsfw: { enabled: false, threshold: 0.7 } } }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
}

export const runCtx = { signal: new AbortController().signal, reportProgress: () => undefined, log: pino({ level: 'silent' }) };

export function engineJob(feature: EngineJob['feature'], png: Buffer, params: Record<string, unknown>): EngineJob {
  return { taskId: `quality-${feature}`, feature, params, outputExt: 'png', files: { src_ids: [{ fileId: 'f', fileName: 'in.png', contentType: 'image/png', data: png }] } };
}

async function run(): Promise<QualityRow[]> {
  const deps = benchDeps();
  const engine = createEnhanceEngine(deps);
  const rows: QualityRow[] = [];
  const sheet: SheetRow[] = [];
  const enhance = async (input: Rgb, scale: 1 | 2 | 4): Promise<{ out: Rgb; ms: number }> => {
    const png = await encodePng(input);
    const t0 = performance.now();
    const [result] = await engine.run(engineJob('enhance', png, { scale }), runCtx);
    const ms = performance.now() - t0;
    return { out: await decodeRgb(result.data), ms };
  };
  try {
    await engine.warmUp!();
    const srCase = async (name: string, factor: 2 | 4, shrink: 'area' | 'bicubic') => {
      const truth = cropToMultiple(await loadPhoto(name, MAX_SIDE), factor);
      const small = shrink === 'area' ? areaDownscale(truth, factor) : resample(truth, truth.width / factor, truth.height / factor, 'cubic');
      const { out, ms } = await enhance(small, factor);
      const bicubic = resample(small, truth.width, truth.height, 'cubic');
      const lanczos = resample(small, truth.width, truth.height, 'lanczos3');
      const feature = `enhance x${factor}`;
      const c = `${name} ${shrink}-shrunk`;
      const p = psnr(out, truth);
      rows.push({ feature, case: c, metric: `PSNR dB (${shrink})`, darkroom: p, baseline: psnr(bicubic, truth), baselineName: 'bicubic', better: 'higher' });
      rows.push({ feature, case: c, metric: `PSNR dB vs Lanczos3 (${shrink})`, darkroom: p, baseline: psnr(lanczos, truth), baselineName: 'lanczos3', better: 'higher' });
      rows.push({ feature, case: c, metric: `SSIM (${shrink})`, darkroom: ssim(out, truth), baseline: ssim(bicubic, truth), baselineName: 'bicubic', better: 'higher' });
      rows.push({ feature, case: c, metric: 'ms', darkroom: ms, notes: `${small.width}×${small.height} in`, better: 'lower' });
      if (factor === 2 && shrink === 'area') {
        sheet.push({ label: `${c}, x2, centre 192 px`, tiles: [zoom(small, 192, 2), zoom(out, 192), zoom(bicubic, 192), zoom(truth, 192)], notes: [undefined, `${p.toFixed(2)} dB`, `${psnr(bicubic, truth).toFixed(2)} dB`, undefined] });
      }
      process.stderr.write(`${feature} ${c}: ${p.toFixed(2)} dB (bicubic ${psnr(bicubic, truth).toFixed(2)}), ${Math.round(ms)} ms\n`);
    };
    for (const name of SR_PHOTOS) for (const shrink of ['area', 'bicubic'] as const) await srCase(name, 2, shrink);
    // x2 on every other photo set (area-shrunk): PSNR and SSIM over a centre-aligned cubic, per set.
    const setSheet: SheetRow[] = [];
    for (const p of (await srPhotoSets([], MAX_SIDE)).filter((p) => (OTHER_SETS as readonly string[]).includes(p.set))) {
      const truth = cropToMultiple(p.image, 2);
      const small = areaDownscale(truth, 2);
      const { out, ms } = await enhance(small, 2);
      const bicubic = resample(small, truth.width, truth.height, 'cubic');
      const feature = 'enhance x2';
      const d = psnr(out, truth), b = psnr(bicubic, truth);
      rows.push({ feature, case: `${p.set}: ${p.name}`, metric: `PSNR dB (area), ${p.set}`, darkroom: d, baseline: b, baselineName: 'bicubic', better: 'higher' });
      rows.push({ feature, case: `${p.set}: ${p.name}`, metric: `SSIM (area), ${p.set}`, darkroom: ssim(out, truth), baseline: ssim(bicubic, truth), baselineName: 'bicubic', better: 'higher' });
      rows.push({ feature, case: `${p.set}: ${p.name}`, metric: 'ms', darkroom: ms, notes: `${small.width}×${small.height} in`, better: 'lower' });
      const side = Math.min(160, truth.width, truth.height) & ~1;
      setSheet.push({ label: `${p.set}: ${p.name}, centre ${side} px`, tiles: [zoom(small, side, 2), zoom(out, side), zoom(bicubic, side), zoom(truth, side)], notes: [undefined, `${d.toFixed(2)} dB`, `${b.toFixed(2)} dB`, undefined] });
      process.stderr.write(`${feature} ${p.set}: ${p.name}: ${d.toFixed(2)} dB (bicubic ${b.toFixed(2)}), ${Math.round(ms)} ms\n`);
    }
    await writeSheet('enhance-sets', ['input (pixels repeated)', 'Darkroom', 'bicubic', 'truth'], setSheet, { tileHeight: 160 });
    for (const name of X4_PHOTOS) await srCase(name, 4, 'area');

    for (const name of RESTORE_PHOTOS) {
      const clean = await loadPhoto(name, MAX_SIDE);
      for (const [kind, degraded] of [
        ['jpeg q40', await jpegRoundTrip(clean, 40)],
        ['blur σ1', await gaussianBlur(clean, 1)],
      ] as const) {
        const { out, ms } = await enhance(degraded, 1);
        const c = `${name} ${kind}`;
        rows.push({ feature: 'enhance x1', case: c, metric: `PSNR dB (${kind})`, darkroom: psnr(out, clean), baseline: psnr(degraded, clean), baselineName: 'degraded input', better: 'higher' });
        rows.push({ feature: 'enhance x1', case: c, metric: 'ms', darkroom: ms, notes: `${clean.width}×${clean.height} in`, better: 'lower' });
        process.stderr.write(`enhance x1 ${c}: ${psnr(out, clean).toFixed(2)} dB (input ${psnr(degraded, clean).toFixed(2)}), ${Math.round(ms)} ms\n`);
      }
    }
    await writeSheet('enhance', ['input (pixels repeated)', 'Darkroom', 'bicubic', 'truth'], sheet, { tileHeight: 192 });
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

export const quality: QualityModule = {
  features: ['enhance'],
  run,
  floors: [
    { feature: 'enhance x2', metric: 'PSNR dB (area)', over: 'median', limit: 0.5, better: 'higher', versusBaseline: true },
    { feature: 'enhance x2', metric: 'PSNR dB vs Lanczos3 (area)', over: 'median', limit: 0.5, better: 'higher', versusBaseline: true },
    ...OTHER_SETS.flatMap((set) => [
      { feature: 'enhance x2', metric: `PSNR dB (area), ${set}`, over: 'median' as const, limit: 0.5, better: 'higher' as const, versusBaseline: true },
      // Structure as well as PSNR: never below the cubic's SSIM on a set.
      { feature: 'enhance x2', metric: `SSIM (area), ${set}`, over: 'median' as const, limit: 0, better: 'higher' as const, versusBaseline: true },
    ]),
    { feature: 'enhance x4', metric: 'PSNR dB (area)', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    // Do no harm: x1 never moves a mildly degraded photo further from the clean one.
    { feature: 'enhance x1', metric: 'PSNR dB (jpeg q40)', over: 'every', limit: 0, better: 'higher', versusBaseline: true },
    { feature: 'enhance x1', metric: 'PSNR dB (blur σ1)', over: 'every', limit: 0, better: 'higher', versusBaseline: true },
  ],
};
