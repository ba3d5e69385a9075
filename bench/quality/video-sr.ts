/**
 * Video enhance (video-sr): the shared clip is halved (area average, and bicubic), enhanced back to
 * its size by Darkroom, and compared frame by frame with the original; baseline: the same halved
 * clip enlarged 2× with plain Lanczos (ffmpeg's scaler), not re-encoded. Darkroom's output goes
 * through H.264 (crf 18) and the baseline does not, so the baseline has a small edge here.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createVideoEnhanceEngine } from '../../src/engines/video/video-sr.js';
import { ffmpegPath, runTool, videoToolsMissing } from '../../src/engines/video/ffmpeg.js';
import { TESTDATA } from '../support.js';
import { benchDeps, runCtx } from './enhance.js';
import { median, psnr, ssim, type Rgb } from './images.js';
import { writeSheet } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';

const CLIP = 'street.mp4';

/** Decodes every frame of a video to RGB at its own size. */
async function frames(ffmpeg: string, file: string, dir: string, width: number, height: number, scaleFilter?: string): Promise<Rgb[]> {
  const out = path.join(dir, `frames-${path.basename(file)}-${scaleFilter ? 'scaled' : 'plain'}.rgb`);
  await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-i', file, ...(scaleFilter ? ['-vf', scaleFilter] : []), '-f', 'rawvideo', '-pix_fmt', 'rgb24', out]);
  const raw = await readFile(out);
  const size = width * height * 3;
  return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => ({ data: new Uint8Array(raw.buffer, raw.byteOffset + i * size, size), width, height }));
}

async function run(): Promise<QualityRow[]> {
  const deps = benchDeps();
  const missing = videoToolsMissing(deps.config.engines.video);
  if (missing) {
    process.stderr.write(`video-sr skipped: ${missing}\n`);
    await deps.pool.destroy();
    return [];
  }
  const ffmpeg = ffmpegPath(deps.config.engines.video);
  const engine = createVideoEnhanceEngine(deps);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'darkroom-quality-video-'));
  const rows: QualityRow[] = [];
  try {
    const original = path.join(TESTDATA, CLIP);
    // 384×288 → 192×144.
    const W = 384, H = 288;
    const truth = await frames(ffmpeg, original, dir, W, H);
    const sheetRows = [];
    for (const [shrink, flags] of [['area', 'area'], ['bicubic', 'bicubic']] as const) {
      const small = path.join(dir, `small-${shrink}.mp4`);
      // Near-lossless so the test is about enlarging, not about the shrunk clip's own compression.
      await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-i', original, '-vf', `scale=${W / 2}:${H / 2}:flags=${flags}`, '-c:v', 'libx264', '-crf', '10', '-c:a', 'copy', small]);
      const data = await readFile(small);
      const [out] = await engine.run({ taskId: 'quality-video', feature: 'video-sr', params: {}, files: { src_ids: [{ fileId: 'v', fileName: 'small.mp4', contentType: 'video/mp4', data }] } }, runCtx);
      const enhancedFile = path.join(dir, `enhanced-${shrink}.mp4`);
      await writeFile(enhancedFile, out.data);
      const enhanced = await frames(ffmpeg, enhancedFile, dir, W, H);
      const lanczos = await frames(ffmpeg, small, dir, W, H, `scale=${W}:${H}:flags=lanczos`);
      const n = Math.min(truth.length, enhanced.length, lanczos.length);
      const p = { d: [] as number[], b: [] as number[] };
      const s = { d: [] as number[], b: [] as number[] };
      for (let i = 0; i < n; i++) {
        p.d.push(psnr(enhanced[i], truth[i]));
        p.b.push(psnr(lanczos[i], truth[i]));
        if (i % 5 === 0) {
          s.d.push(ssim(enhanced[i], truth[i]));
          s.b.push(ssim(lanczos[i], truth[i]));
        }
      }
      const c = `${CLIP} ${shrink}-halved (${n} frames)`;
      rows.push({ feature: 'video-sr', case: c, metric: 'PSNR dB (median frame)', darkroom: median(p.d), baseline: median(p.b), baselineName: 'lanczos 2×', better: 'higher' });
      rows.push({ feature: 'video-sr', case: c, metric: 'SSIM (median frame)', darkroom: median(s.d), baseline: median(s.b), baselineName: 'lanczos 2×', better: 'higher' });
      process.stderr.write(`video-sr ${c}: ${median(p.d).toFixed(2)} dB (lanczos ${median(p.b).toFixed(2)})\n`);
      const mid = Math.floor(n / 2);
      const smallFrames = await frames(ffmpeg, small, dir, W / 2, H / 2);
      sheetRows.push({ label: `${c}, middle frame`, tiles: [smallFrames[mid], enhanced[mid], lanczos[mid], truth[mid]], notes: [undefined, `${p.d[mid].toFixed(2)} dB`, `${p.b[mid].toFixed(2)} dB`, undefined] });
    }
    await writeSheet('video-sr', ['halved input', 'Darkroom', 'lanczos 2×', 'truth'], sheetRows, { tileHeight: 288 });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await deps.pool.destroy();
  }
  return rows;
}

export const quality: QualityModule = {
  features: ['video-sr'],
  run,
  floors: [
    { feature: 'video-sr', metric: 'PSNR dB (median frame)', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
  ],
};
