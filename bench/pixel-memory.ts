/**
 * Peak RSS of the pixel engines on one 4096² input (issue 14): each task runs alone in this process with
 * a real worker pool, and RSS is sampled every 50 ms. Usage: nice -n 10 npx tsx bench/pixel-memory.ts [task...]
 * (tasks: color-correct, lighting, lighting-png16, obj-removal). Run one task per process for clean figures.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import type { Engine, EngineDeps, EngineFile, EngineJob } from '../src/engines/engine.js';
import { kernelHandle } from '../src/engines/kernel.js';
import { createWorkerPool, siblingModule } from '../src/engines/runtime/pool.js';
import { encodeOutput, firstFile, loadImage, toRaw } from '../src/engines/image-io.js';
import { feature } from '../src/features/table.js';
import { createColorCorrectEngine } from '../src/engines/pixel/color-correct.js';
import { createLightingEngine } from '../src/engines/pixel/lighting.js';
import { createObjectRemovalEngine } from '../src/engines/pixel/object-removal.js';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { TESTDATA } from '../test/helpers/harness.js';

const SIDE = 4096;
const mb = (b: number) => Math.round(b / 2 ** 20);

async function input(task: string): Promise<EngineFile> {
  // The soak's inputs (bench/soak.ts): building.jpg upscaled; the 16-bit PNG blocky enough for the 10 MB limit.
  const src = readFileSync(path.join(TESTDATA, 'building.jpg'));
  const big = sharp(src).resize(SIDE, SIDE, { fit: 'fill', kernel: 'lanczos3' });
  if (task.endsWith('png16')) {
    const small = await sharp(src).resize(512).toBuffer();
    const data = await sharp(small).resize(SIDE, SIDE, { fit: 'fill', kernel: 'nearest' }).toColourspace('rgb16').png({ compressionLevel: 9 }).toBuffer();
    return { fileId: 'in', fileName: 'in.png', contentType: 'image/png', data };
  }
  const data = await big.jpeg({ quality: 92 }).toBuffer();
  return { fileId: 'in', fileName: 'in.jpg', contentType: 'image/jpeg', data };
}

async function mask(): Promise<EngineFile> {
  // The soak's mask (bench/soak.ts): an ellipse a fifth of each side across, in the middle.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${SIDE / 2}" cy="${SIDE / 2}" rx="${SIDE / 10}" ry="${SIDE / 10}" fill="white"/></svg>`;
  const data = await sharp(Buffer.from(svg)).grayscale().png().toBuffer();
  return { fileId: 'm', fileName: 'mask.png', contentType: 'image/png', data };
}

/** The floor every task pays: decode, one worker thread started, encode (noop-jpeg, noop-png16). */
function noop(deps: EngineDeps): Engine {
  return {
    feature: 'lighting',
    availability: () => ({ available: true, implementation: 'none' }),
    async run(job) {
      const src = await loadImage(firstFile(job.files.src_ids), feature('lighting'), { maxPixels: deps.config.engines.maxPixels });
      const raw = await toRaw(src.image, 3);
      await kernelHandle<typeof import('../src/engines/pixel/pixel-kernel.js')>(siblingModule(import.meta.url, '../src/engines/pixel/pixel-kernel')).run(deps.pool, 'growMaskKernel', { hole: new Uint8Array(4), width: 2, height: 2, dilate: 1 });
      return [await encodeOutput(raw, src.format === 'png' ? 'png' : 'jpg')];
    },
  };
}

function engineFor(task: string, deps: EngineDeps): Engine {
  if (task.startsWith('noop')) return noop(deps);
  if (task === 'color-correct') return createColorCorrectEngine(deps);
  if (task.startsWith('lighting')) return createLightingEngine(deps, { faceAware: false });
  return createObjectRemovalEngine(deps);
}

async function measure(task: string): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-pixmem-'));
  const config = loadConfig({ dataDir, engines: { modelsDir: path.join(dataDir, 'models') } });
  const deps: EngineDeps = { config, log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
  const featureId = task.startsWith('lighting') || task.startsWith('noop') ? 'lighting' : task;
  const files: EngineJob['files'] = { src_ids: [await input(task)] };
  if (task === 'obj-removal') files.mask_ids = [await mask()];
  const job = { taskId: 't', feature: featureId, files, params: {}, outputExt: undefined } as unknown as EngineJob;
  const engine = engineFor(task, deps);
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const t0 = Date.now();
  const out = await engine.run(job, { signal: new AbortController().signal, reportProgress: () => {}, log: deps.log });
  const secs = (Date.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const end = process.memoryUsage().rss;
  console.log(`${task}: RSS ${mb(start)} → peak ${mb(peak)} (+${mb(peak - start)}) → end ${mb(end)} MB, ${secs.toFixed(1)} s, ${out.length} output(s) ${out.map((o) => mb(o.data.length)).join('/')} MB`);
  if (process.env.PIXMEM_SAVE) for (const [i, o] of out.entries()) (await import('node:fs')).writeFileSync(`${process.env.PIXMEM_SAVE}-${task}-${i}.${o.ext}`, o.data);
  await deps.pool.destroy();
}

const tasks = process.argv.slice(2);
for (const t of tasks.length ? tasks : ['color-correct', 'lighting', 'lighting-png16', 'obj-removal']) await measure(t);
