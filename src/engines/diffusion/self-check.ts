/**
 * `darkroom models check` for a diffusion model: generates from a fixed seed and checks that the
 * result is a picture, not noise or a flat field, and that inpainting keeps the outside of its mask.
 * Weights that load but were exported wrongly (a wrong scaling factor, a swapped input, fp16 overflow)
 * pass every checksum and fail here.
 */
import type { DarkroomConfig } from '../../config.js';
import type { WorkerPool } from '../engine.js';
import type { ModelCheck } from '../models/check.js';
import { presentModels } from '../models/select.js';
import { createWorkerPool } from '../runtime/pool.js';
import type { ModelSpec } from '../models/catalog.js';
import { SD15_SCALING_FACTOR, SIGNATURES, verifiedPipeline } from './model.js';
import { poolRunner, type EmbeddedSettings } from './embedded-backend.js';
import { generate } from './pipeline.js';
import { loadClipTokenizer } from './tokenizer.js';

export interface DiffusionCheck {
  ok: boolean;
  /** Correlation of horizontally neighbouring luminances (natural pictures ≳ 0.8, noise ≈ 0). */
  neighbourCorrelation: number;
  /** Standard deviation of luminance, 0…255 (a flat field ≈ 0). */
  luminanceSpread: number;
  /** Mean absolute change outside the inpainting mask, beyond a 16-px margin, before the exact paste (0…255). */
  outsideChange: number;
  seconds: { textToImage: number; inpaint: number };
  problems: string[];
}

const MIN_CORRELATION = 0.5;
const MIN_SPREAD = 8;
/** The VAE's own round trip moves pixels a little; more than this outside the mask means the blend failed. */
const MAX_OUTSIDE_CHANGE = 12;

function luminance(rgb: Uint8Array): Float64Array {
  const y = new Float64Array(rgb.length / 3);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return y;
}

export function neighbourCorrelation(rgb: Uint8Array, width: number, height: number): number {
  const y = luminance(rgb);
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let r = 0; r < height; r++) for (let x = 0; x + 1 < width; x++) {
    const a = y[r * width + x], b = y[r * width + x + 1];
    n++; sa += a; sb += b; saa += a * a; sbb += b * b; sab += a * b;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2, vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

export function luminanceSpread(rgb: Uint8Array): number {
  const y = luminance(rgb);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  return Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
}

/** A test card: smooth gradients and a few hard edges, the kind of content a VAE reproduces well. */
function testCard(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const band = Math.floor((4 * x) / w);
    out.set([(x * 255) / w, (y * 255) / h, [40, 120, 200, 90][band]], 3 * (y * w + x));
  }
  return out;
}

export async function checkDiffusionModel(pool: WorkerPool, spec: ModelSpec, modelsDir: string, settings: EmbeddedSettings, signal = new AbortController().signal): Promise<DiffusionCheck> {
  const { files, tokenizerDir } = await verifiedPipeline(spec, modelsDir);
  const tok = loadClipTokenizer(tokenizerDir);
  const runner = poolRunner(pool, files);
  const size = settings.size;
  const base = { width: size, height: size, seed: 1234, steps: settings.steps, guidanceScale: settings.guidanceScale, scalingFactor: SD15_SCALING_FACTOR };

  let t = Date.now();
  const image = await generate(runner, { ...base, ids: tok.encode('a photo of a red apple on a wooden table, soft daylight'), strength: 1 }, { signal });
  const textToImage = (Date.now() - t) / 1000;

  const card = testCard(size, size);
  const mask = new Uint8Array(size * size);
  const [m0, m1] = [Math.round(size * 0.375), Math.round(size * 0.625)];
  for (let y = m0; y < m1; y++) mask.fill(255, y * size + m0, y * size + m1);
  t = Date.now();
  const painted = await generate(runner, { ...base, ids: tok.encode('a blue ball'), strength: 1, image: card, mask }, { signal });
  const inpaint = (Date.now() - t) / 1000;
  let sum = 0, count = 0;
  const margin = 16;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    if (x > m0 - margin && x < m1 + margin && y > m0 - margin && y < m1 + margin) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(painted[3 * (y * size + x) + c] - card[3 * (y * size + x) + c]);
    count += 3;
  }

  const check = {
    neighbourCorrelation: neighbourCorrelation(image, size, size),
    luminanceSpread: luminanceSpread(image),
    outsideChange: sum / count,
    seconds: { textToImage, inpaint },
  };
  const problems: string[] = [];
  if (check.neighbourCorrelation < MIN_CORRELATION) problems.push(`the generated image looks like noise (neighbour correlation ${check.neighbourCorrelation.toFixed(2)} < ${MIN_CORRELATION})`);
  if (check.luminanceSpread < MIN_SPREAD) problems.push(`the generated image is flat (luminance spread ${check.luminanceSpread.toFixed(1)} < ${MIN_SPREAD})`);
  if (check.outsideChange > MAX_OUTSIDE_CHANGE) problems.push(`inpainting changed the picture outside its mask by ${check.outsideChange.toFixed(1)} levels on average (> ${MAX_OUTSIDE_CHANGE})`);
  return { ok: problems.length === 0, ...check, problems };
}

/**
 * Every installed diffusion model (or those named), each through `checkDiffusionModel` in a pool of
 * its own, as rows of `darkroom models check`.
 */
export async function checkDiffusionModels(modelsDir: string, config: Pick<DarkroomConfig, 'engines' | 'diffusion'>, only?: readonly string[]): Promise<ModelCheck[]> {
  const specs = presentModels('diffusion', modelsDir, SIGNATURES).filter((m) => !only?.length || only.includes(m.name));
  if (specs.length === 0) return [];
  const pool = createWorkerPool(1, { idleMs: config.engines.idleReleaseMs });
  const results: ModelCheck[] = [];
  try {
    for (const spec of specs) {
      try {
        const r = await checkDiffusionModel(pool, spec, modelsDir, config.diffusion.embedded);
        const figures = `neighbour correlation ${r.neighbourCorrelation.toFixed(2)}, luminance spread ${r.luminanceSpread.toFixed(1)}, change outside the inpainting mask ${r.outsideChange.toFixed(1)} levels; ${r.seconds.textToImage.toFixed(1)} s text-to-image, ${r.seconds.inpaint.toFixed(1)} s inpainting`;
        results.push({ name: spec.name, passed: r.ok, detail: r.ok ? figures : `${r.problems.join('; ')} (${figures})` });
      } catch (e) {
        results.push({ name: spec.name, passed: false, detail: e instanceof Error ? e.message : String(e) });
      }
    }
  } finally {
    await pool.destroy();
  }
  return results;
}
