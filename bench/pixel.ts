/**
 * Pixel features on a 1024 px photo and on street.mp4: each Darkroom engine timed next to a plain
 * baseline run in the same process (OpenCV.js Telea inpainting, ImageMagick auto-level/auto-gamma,
 * plain ffmpeg Lanczos scale). Also the object-removal target case: a 2048 px photo with a 10 % mask.
 * Run alone with `npx tsx bench/pixel.ts`; writes bench/results/pixel.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import type { Engine, EngineDeps, EngineJob } from '../src/engines/engine.js';
import { createColorCorrectEngine } from '../src/engines/pixel/color-correct.js';
import { createColorizeEngine } from '../src/engines/neural/colorize.js';
import { ffmpegPath, runTool } from '../src/engines/video/ffmpeg.js';
import { createImageExtenderEngine } from '../src/engines/pixel/image-extender.js';
import { createLightingEngine } from '../src/engines/pixel/lighting.js';
import { createObjectRemovalEngine } from '../src/engines/pixel/object-removal.js';
import { createVideoEnhanceEngine } from '../src/engines/video/video-sr.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { imageMagick } from './anchors.js';
import { isMain, measure, report, TESTDATA, type BenchRow } from './support.js';

/** A filled ellipse covering `fraction` of the image, centred a little off-centre. */
function ellipseMask(w: number, h: number, fraction: number): Buffer {
  const m = Buffer.alloc(w * h);
  const rx = Math.sqrt((fraction * w * h) / Math.PI) * 1.2;
  const ry = (fraction * w * h) / (Math.PI * rx);
  const cx = w * 0.55, cy = h * 0.6;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) m[y * w + x] = 255;
  return m;
}

/**
 * OpenCV.js Telea inpainting, run in a plain child node process: its 10 MB WASM module does not
 * initialise inside this tsx-loaded process. Only the inpaint call is timed, inside the child.
 */
const TELEA_SCRIPT = `
const fs = require('fs');
const [rgbFile, maskFile, w, h] = process.argv.slice(1);
const cv = require('@techstark/opencv-js');
cv.onRuntimeInitialized = () => {
  const W = Number(w), H = Number(h);
  const src = cv.matFromArray(H, W, cv.CV_8UC3, Array.from(fs.readFileSync(rgbFile)));
  const m = cv.matFromArray(H, W, cv.CV_8UC1, Array.from(fs.readFileSync(maskFile)));
  const dst = new cv.Mat();
  const t = performance.now();
  cv.inpaint(src, m, dst, 5, cv.INPAINT_TELEA);
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, rss: process.memoryUsage().rss }));
};`;

function teleaRow(name: string, tmp: string, rgb: Uint8Array, mask: Uint8Array, w: number, h: number, notes: string): BenchRow {
  const rgbFile = path.join(tmp, 'telea-rgb.raw');
  const maskFile = path.join(tmp, 'telea-mask.raw');
  writeFileSync(rgbFile, rgb);
  writeFileSync(maskFile, mask);
  const out = execFileSync(process.execPath, ['-e', TELEA_SCRIPT, rgbFile, maskFile, String(w), String(h)], { cwd: process.cwd(), encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; rss: number };
  process.stderr.write(`${name} | OpenCV.js Telea: ${Math.round(r.ms)} ms\n`);
  return { name, impl: 'OpenCV.js inpaint Telea r=5 (child process)', ms: Math.round(r.ms), peakRssMb: Math.round(r.rss / 2 ** 20), notes };
}

export async function run(): Promise<BenchRow[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'darkroom-bench-pixel-'));
  const deps: EngineDeps = { config: loadConfig({ dataDir: tmp }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };
  const rows: BenchRow[] = [];
  const photoFile = path.join(tmp, 'photo.png');
  const photo = await sharp(readFileSync(path.join(TESTDATA, 'building.jpg'))).resize(1024).png().toBuffer();
  writeFileSync(photoFile, photo);
  const { width: W = 0, height: H = 0 } = await sharp(photo).metadata();
  const file = (data: Buffer, name: string) => ({ fileId: name, fileName: name, contentType: 'image/png', data });
  const job = (feature: EngineJob['feature'], files: EngineJob['files'], params: Record<string, unknown> = {}): EngineJob => ({ taskId: 'bench', feature, files, params });
  const runEngine = (e: Engine, j: EngineJob) => e.run(j, ctx);
  try {
    // Warm the worker threads (module import) so the first row is not charged for it.
    await createLightingEngine(deps).run(job('lighting', { src_ids: [file(await sharp(photo).resize(400).png().toBuffer(), 'w.png')] }), ctx);

    // Object removal: 10 % mask.
    const maskRaw = ellipseMask(W, H, 0.1);
    const mask = await sharp(maskRaw, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
    const removal = createObjectRemovalEngine(deps);
    rows.push(await measure('obj-removal 1024px, 10% mask', 'darkroom PatchMatch', () => runEngine(removal, job('obj-removal', { src_ids: [file(photo, 'p.png')], mask_ids: [file(mask, 'm.png')] }))));
    const { data: rgb } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    rows.push(teleaRow('obj-removal 1024px, 10% mask', tmp, rgb, maskRaw, W, H, 'diffusion fill: smooth smear, no texture'));

    const big = await sharp(readFileSync(path.join(TESTDATA, 'building.jpg'))).resize(2048).png().toBuffer();
    const bm = await sharp(big).metadata();
    const bigMask = await sharp(ellipseMask(bm.width!, bm.height!, 0.1), { raw: { width: bm.width!, height: bm.height!, channels: 1 } }).png().toBuffer();
    rows.push(await measure('obj-removal 2048px, 10% mask', 'darkroom PatchMatch', () => runEngine(removal, job('obj-removal', { src_ids: [file(big, 'b.png')], mask_ids: [file(bigMask, 'bm.png')] }))));

    // Extender: 1024 px input centred in a 1.25x canvas.
    const ow = Math.round(W * 1.25), oh = Math.round(H * 1.25);
    const ix = Math.round((ow - W) / 2), iy = Math.round((oh - H) / 2);
    const geometry = { output_width: ow, output_height: oh, input_x: ix, input_y: iy, input_width: W, input_height: H, crop_input_x: 0, crop_input_y: 0, crop_input_width: W, crop_input_height: H };
    const extender = createImageExtenderEngine(deps);
    rows.push(await measure(`out-paint 1024px -> ${ow}x${oh}`, 'darkroom PatchMatch', () => runEngine(extender, job('out-paint', { src_ids: [file(photo, 'p.png')] }, geometry))));
    const canvas = new Uint8Array(ow * oh * 3);
    const hole = new Uint8Array(ow * oh).fill(255);
    for (let y = 0; y < H; y++) {
      canvas.set(rgb.subarray(y * W * 3, (y + 1) * W * 3), ((y + iy) * ow + ix) * 3);
      hole.fill(0, (y + iy) * ow + ix, (y + iy) * ow + ix + W);
    }
    rows.push(teleaRow(`out-paint 1024px -> ${ow}x${oh}`, tmp, canvas, hole, ow, oh, 'streaks outward from the border'));

    // Lighting and color correction against ImageMagick.
    const dark = await sharp(photo).linear(0.45, 0).gamma(2.2, 1).png().toBuffer();
    const darkFile = path.join(tmp, 'dark.png');
    writeFileSync(darkFile, dark);
    const lighting = createLightingEngine(deps);
    rows.push(await measure('lighting 1024px', 'darkroom LIME + guided filter', () => runEngine(lighting, job('lighting', { src_ids: [file(dark, 'd.png')] }))));
    const colour = createColorCorrectEngine(deps);
    // First task (the pool thread loads the kernel) and warm, as a server runs it.
    rows.push(await measure('color-correct 1024px (4 grades)', 'darkroom gray-edge white balance, 4 grades (first task)', () => runEngine(colour, job('color-correct', { src_ids: [file(photo, 'p.png')] }))));
    rows.push(await measure('color-correct 1024px (4 grades)', 'darkroom gray-edge white balance, 4 grades (warm)', () => runEngine(colour, job('color-correct', { src_ids: [file(photo, 'p.png')] }))));
    const im = imageMagick();
    if (im) {
      rows.push(await measure('lighting 1024px', `ImageMagick ${im} -auto-gamma -auto-level`, () => execFileSync(im, [darkFile, '-auto-gamma', '-auto-level', path.join(tmp, 'im-light.png')])));
      rows.push(await measure('color-correct 1024px (1 result)', `ImageMagick ${im} -auto-level`, () => execFileSync(im, [photoFile, '-auto-level', path.join(tmp, 'im-cc.png')])));
    } else {
      rows.push({ name: 'lighting / color-correct', impl: 'ImageMagick', ms: 0, peakRssMb: 0, notes: 'ImageMagick not installed (apt-get install imagemagick): skipped' });
    }

    const colorize = createColorizeEngine(deps);
    rows.push({ name: 'colorize', impl: 'DDColor ONNX', ms: 0, peakRssMb: 0, notes: colorize.availability().available ? 'model present but not benchmarked' : 'no weights installed: skipped' });

    // Video.
    const street = readFileSync(path.join(TESTDATA, 'street.mp4'));
    const video = createVideoEnhanceEngine(deps);
    rows.push(await measure('video-sr street.mp4 (384x288, 4 s)', 'darkroom ffmpeg chain (denoise, deblock, normalize, 2x lanczos, unsharp)', () => runEngine(video, job('video-sr', { src_ids: [{ fileId: 'v', fileName: 'street.mp4', contentType: 'video/mp4', data: street }] }))));
    rows.push(await measure('video-sr street.mp4 (384x288, 4 s)', 'plain ffmpeg scale=2x lanczos', () =>
      runTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-y', '-i', path.join(TESTDATA, 'street.mp4'), '-vf', 'scale=768:576:flags=lanczos', '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-c:a', 'copy', path.join(tmp, 'plain.mp4')])));
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

if (isMain(import.meta.url)) report('pixel', await run());
