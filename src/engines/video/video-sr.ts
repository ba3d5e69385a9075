import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { firstFile } from '../image-io.js';
import { ffmpegPath, runTool, videoToolsMissing } from './ffmpeg.js';
import { probeVideo } from './video-probe.js';

/** Output long side ceiling: 4K UHD. */
export const MAX_OUTPUT_LONG_SIDE = 3840;

/**
 * 2x Lanczos (capped at 4K) and a mild unsharp mask. The denoise, deblock and auto-level stages the chain
 * used to have each cost PSNR on clean clips (bench/quality/video-sr.ts: normalize −0.22 dB by shifting
 * colours, hqdn3d + deblock −0.2 dB by smoothing real detail), so they stay out until they can be applied
 * only where noise or blocking is measured.
 */
export function enhanceFilter(width: number, height: number): { filter: string; outWidth: number; outHeight: number } {
  const factor = Math.min(2, MAX_OUTPUT_LONG_SIDE / Math.max(width, height));
  const outWidth = Math.floor((width * factor) / 2) * 2;
  const outHeight = Math.floor((height * factor) / 2) * 2;
  const filter = [
    `scale=${outWidth}:${outHeight}:flags=lanczos`,
    'unsharp=5:5:0.7:3:3:0.0',
    'format=yuv420p',
  ].join(',');
  return { filter, outWidth, outHeight };
}

export function createVideoEnhanceEngine(deps: EngineDeps): Engine {
  const spec = feature('video-sr');
  return {
    feature: 'video-sr',
    availability: () => {
      const missing = videoToolsMissing(deps.config.engines.video);
      return missing ? { available: false, reason: missing } : { available: true, implementation: 'ffmpeg: 2x Lanczos + unsharp, audio copied' };
    },
    async run(job, ctx) {
      const missing = videoToolsMissing(deps.config.engines.video);
      if (missing) throw new EngineError('error_inference', `video enhance is not available on this server: ${missing}`);
      const file = firstFile(job.files.src_ids);
      // The length of the result; absent means the whole clip, shorter than the clip trims it.
      const dst = paramsFor('video-sr', job).dst_duration;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'darkroom-video-'));
      try {
        const input = path.join(dir, 'input');
        await writeFile(input, file.data);
        const info = await probeVideo(input, file.data, spec, ctx.signal, deps.config.engines.video);
        ctx.reportProgress(0.02);
        throwIfAborted(ctx.signal);
        const duration = dst !== undefined ? Math.min(dst, info.durationSec) : info.durationSec;
        const { filter } = enhanceFilter(info.width, info.height);
        const output = path.join(dir, 'output.mp4');
        const args = ['-hide_banner', '-nostdin', '-y', '-i', input];
        if (dst !== undefined && dst < info.durationSec) args.push('-t', String(dst));
        args.push(
          '-map', '0:v:0', '-map', '0:a?',
          '-vf', filter,
          '-c:v', 'libx264', '-preset', 'medium', '-crf', '18',
          // AAC and MP3 both live in MP4: the audio is copied untouched.
          '-c:a', 'copy',
          '-movflags', '+faststart',
          '-progress', 'pipe:1', '-nostats',
          output,
        );
        try {
          await runTool(ffmpegPath(deps.config.engines.video), args, {
            signal: ctx.signal,
            durationSec: duration,
            onProgress: (f) => ctx.reportProgress(0.02 + 0.96 * f),
          });
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          ctx.log.warn({ err: e }, 'ffmpeg failed');
          throw new EngineError('error_inference', 'video processing failed while decoding or encoding the stream');
        }
        return [{ data: await readFile(output), contentType: 'video/mp4', ext: 'mp4' }];
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
