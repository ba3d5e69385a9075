import sharp from 'sharp';
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineDeps } from '../engine.js';
import { EngineError, isEngineError, TaskAbortedError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, toRaw, type RawImage } from '../image-io.js';
import { modelSpec } from '../models/catalog.js';
import { findModel } from '../models/resolve.js';
import { faceRestoreModel, restoreFaces } from './face-restore.js';
import { guardNsfw } from './nsfw.js';
import { planRealEsrgan, realEsrganPresent, realEsrganUpscale, srModelInfos, warmRealEsrgan } from './onnx-upscale.js';
import { restore } from './restore.js';
import { DEFAULT_PAD, DEFAULT_TILE, tiledUpscale, UPSCALE_KERNEL } from './upscale.js';

export type EnhanceModelSize = 'slim' | 'medium';

const PSNR_X2 = 'esrgan-psnr-small-x2';

/**
 * The shipped network for a photo. x2 of a photo up to `psnrMaxPixels` (engines.enhanceFidelityMaxPixels)
 * is the PSNR-trained RDN (psnr-small): it is what fidelity to the photo rewards, +0.86 dB median over
 * Lanczos3 on the bench photos where the GAN-trained slim adds +0.28, but it takes ~10x slim's time, so
 * larger photos keep slim. It has no x4, so x4 stays on slim. 'medium' keeps medium for both.
 * Without psnr-small's package (an install that predates it) x2 runs slim, as before, and says so.
 */
export function shippedModel(size: EnhanceModelSize, scale: 2 | 4, pixels: number, psnrMaxPixels: number, psnrPresent = true): { model: string; why?: string } {
  if (size !== 'slim' || scale !== 2) return { model: `esrgan-${size}-x${scale}` };
  if (!psnrPresent) return { model: 'esrgan-slim-x2', why: `${PSNR_X2} not installed` };
  if (pixels <= psnrMaxPixels) return { model: PSNR_X2 };
  return { model: 'esrgan-slim-x2', why: `photo ${pixels} px above ${PSNR_X2}'s ${psnrMaxPixels} px` };
}

/** The shipped networks a size needs (psnr-small is preferred for x2 but not needed). */
function requiredModels(size: EnhanceModelSize): string[] {
  return [`esrgan-${size}-x2`, `esrgan-${size}-x4`];
}

/**
 * AI Photo Enhance: super resolution (x2, x4) tiled across the worker pool, each tile back-projected
 * onto the input (see backproject.ts): an installed Real-ESRGAN (onnx-upscale.ts), else the shipped
 * ESRGAN. Scale 1 is a light restoration at the photo's own size (restore.ts). With GFPGAN installed,
 * faces are then restored at every scale (face-restore.ts). Alpha is upscaled by a plain resize and
 * joined back. Result meta names what ran.
 */
export function createEnhanceEngine(deps: EngineDeps, size: EnhanceModelSize = deps.config.engines.enhanceModel ?? 'slim'): Engine {
  const spec = feature('enhance');
  const { modelsDir } = deps.config.engines;
  const srInfos = srModelInfos(deps.pool);
  const psnrMaxPixels = deps.config.engines.enhanceFidelityMaxPixels;
  const psnrPresent = () => size === 'slim' && Boolean(findModel(modelSpec(PSNR_X2), modelsDir).resolved);
  return {
    feature: 'enhance',
    availability() {
      const missing = requiredModels(size).map((m) => findModel(modelSpec(m), modelsDir)).find((l) => !l.resolved);
      if (missing) return { available: false, reason: missing.reason };
      const small = shippedModel(size, 2, 0, psnrMaxPixels, psnrPresent()).model;
      const large = shippedModel(size, 2, Infinity, psnrMaxPixels).model;
      const x2 = small === large ? large : `${small} (photos up to ${psnrMaxPixels} px), ${large}`;
      const sr = realEsrganPresent(modelsDir) ? 'Real-ESRGAN x2/x4 on onnxruntime' : `x2 ${x2}, x4 esrgan-${size}-x4 on onnxruntime`;
      const faces = faceRestoreModel(modelsDir) ? ', GFPGAN faces' : '';
      return { available: true, implementation: `${sr}, tiled across ${deps.pool.size} workers${faces}` };
    },
    async warmUp() {
      if (await warmRealEsrgan(deps.pool, modelsDir)) return;
      // One call per worker: tiles go to every worker, so each must hold the models.
      // Both x2 networks (small photos take psnr-small, larger ones slim) and x4.
      const models = [...new Set([shippedModel(size, 2, 0, psnrMaxPixels, psnrPresent()).model, shippedModel(size, 2, Infinity, psnrMaxPixels).model, shippedModel(size, 4, 0, psnrMaxPixels).model])];
      const args = { models, modelsDir, tile: DEFAULT_TILE + 2 * DEFAULT_PAD, fast: deps.pool.roomyMemory };
      await Promise.all(Array.from({ length: deps.pool.size }, () => UPSCALE_KERNEL.run(deps.pool, 'warmUpscaler', args)));
    },
    async run(job, ctx) {
      const { scale } = paramsFor('enhance', job);
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      await guardNsfw(deps, src.image, ctx.signal);
      throwIfAborted(ctx.signal);
      const rgb = await toRaw(src.image, 3);
      let up: RawImage;
      let ran: string;
      if (scale === 1) {
        up = await restore(rgb);
        ran = 'cored-sharpen';
      } else {
        try {
          const onProgress = (f: number) => ctx.reportProgress(0.05 + 0.8 * f);
          // Each installed Real-ESRGAN serves photos up to its size limit (RRDB x4plus ~20x slower per
          // pixel than the shipped ESRGAN: 1 MP; the compact general-x4v3 more); a larger photo takes
          // the next model that admits it, else the shipped ESRGAN, and the meta says why.
          const pixels = rgb.width * rgb.height;
          const plan = await planRealEsrgan(srInfos, modelsDir, scale, { pixels, defaultMaxPixels: deps.config.engines.realEsrganMaxPixels }, ctx.signal);
          const shipped = shippedModel(size, scale, pixels, psnrMaxPixels, psnrPresent());
          const whys = [realEsrganPresent(modelsDir) ? "photo above every installed Real-ESRGAN's size limit" : undefined, shipped.why].filter(Boolean);
          ran = plan ? (plan.why ? `${plan.model} (${plan.why})` : plan.model) : whys.length ? `${shipped.model} (${whys.join('; ')})` : shipped.model;
          up = plan
            ? await realEsrganUpscale(deps.pool, rgb, plan, { modelsDir, scale, signal: ctx.signal, onProgress })
            : await tiledUpscale(deps.pool, rgb, { model: shipped.model, modelsDir, scale, signal: ctx.signal, onProgress });
        } catch (e) {
          if (isEngineError(e) || e instanceof TaskAbortedError) throw e;
          throw new EngineError('error_inference', `super resolution failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const gfpgan = faceRestoreModel(modelsDir);
      if (gfpgan) {
        try {
          if ((await restoreFaces(deps.pool, rgb, up, scale, { model: gfpgan, modelsDir, signal: ctx.signal, log: ctx.log })) > 0) ran += `+${gfpgan}`;
        } catch (e) {
          if (isEngineError(e) || e instanceof TaskAbortedError) throw e;
          throw new EngineError('error_inference', `face restoration failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const outW = src.width * scale;
      const outH = src.height * scale;
      let raw: RawImage = up;
      // The upscaled image can be larger than sharp's default input ceiling (x4 of 4096 px): lift it for our own buffers.
      const rawInput = (b: Buffer, w: number, h: number, channels: 1 | 3) => sharp(b, { raw: { width: w, height: h, channels }, limitInputPixels: false });
      if (up.width !== outW || src.hasAlpha) {
        let pipeline = rawInput(up.data, up.width, up.height, 3);
        if (up.width !== outW) pipeline = pipeline.resize(outW, outH, { fit: 'fill', kernel: 'lanczos3' });
        if (src.hasAlpha) {
          const alpha = await src.image.clone().ensureAlpha().extractChannel(3).resize(outW, outH, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
          pipeline = rawInput(await pipeline.raw().toBuffer(), outW, outH, 3).joinChannel(alpha, { raw: { width: outW, height: outH, channels: 1 } });
        }
        const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
        raw = { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
      }
      throwIfAborted(ctx.signal);
      ctx.reportProgress(0.95);
      return [await encodeOutput(raw, job.outputExt ?? (src.format === 'png' || src.hasAlpha ? 'png' : 'jpg'), { meta: { engine: ran } })];
    },
  };
}
