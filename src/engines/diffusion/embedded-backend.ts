import sharp from 'sharp';
import type { DarkroomConfig } from '../../config.js';
import type { WorkerPool } from '../engine.js';
import { TaskAbortedError } from '../errors.js';
import { DiffusionBackendError, type DiffusionBackend, type GeneratedImage, type InpaintRequest, type RunOptions, type Txt2ImgRequest } from '../generative/backends/types.js';
import type { ModelSpec } from '../models/catalog.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import type { PipelineFiles, UnetRequest } from './diffusion-kernel.js';
import { expectedTimeLabel } from './expected-time.js';
import { SD15_SCALING_FACTOR, verifiedPipeline } from './model.js';
import { generate, type DiffusionRunner } from './pipeline.js';
import { LCM_SD15 } from './scheduler.js';
import { loadClipTokenizer, type PromptTokenizer } from './tokenizer.js';

const KERNEL = kernelHandle<typeof import('./diffusion-kernel.js')>(siblingModule(import.meta.url, 'diffusion-kernel'));

export type EmbeddedSettings = DarkroomConfig['diffusion']['embedded'];

/**
 * The network calls of `generate`, each one call to the diffusion kernel in a pool thread. The task's
 * signal is not handed to the pool: the pool stops a running call by ending its thread once the
 * onnxruntime run returns, which would drop 4 GB of loaded sessions; the pipeline stops between the
 * same calls instead, keeping the thread warm for the next task.
 */
export function poolRunner(pool: WorkerPool, files: PipelineFiles): DiffusionRunner {
  // One thread: each call of a big model already uses every core, and a second thread would load a second copy.
  const oneThread = { threads: 1 };
  let condDim: Promise<number> | undefined;
  return {
    encodeText: (ids) => KERNEL.run(pool, 'encodeTextKernel', { files, ids }, oneThread),
    condDim: () => (condDim ??= KERNEL.run(pool, 'unetCondDimKernel', { files }, oneThread)),
    unet: (req: Omit<UnetRequest, 'files'>) => KERNEL.run(pool, 'unetKernel', { files, ...req }, oneThread),
    vaeEncode: (rgb, width, height) => KERNEL.run(pool, 'vaeEncodeKernel', { files, rgb, width, height }, oneThread),
    vaeDecode: (latents, latentWidth, latentHeight) => KERNEL.run(pool, 'vaeDecodeKernel', { files, latents, latentWidth, latentHeight }, oneThread),
  };
}

/** The working size: the request's aspect at the model's long side, in multiples of 64 (an SD 1.5 UNet halves the 1/8 latent three times). */
export function workingSize(width: number, height: number, longSide: number): { width: number; height: number } {
  const k = longSide / Math.max(width, height);
  const side = (v: number) => Math.max(64, Math.round((v * k) / 64) * 64);
  return { width: side(width), height: side(height) };
}

/**
 * Darkroom's own diffusion engine, behind the same interface as the ComfyUI and AUTOMATIC1111
 * adapters, so every generative feature (prompts and styles, NSFW retries, the outside-mask-exact
 * paste) works unchanged on a machine without a diffusion server. One task at a time (the client's
 * per-backend limit is 1 for it): the UNet alone holds 3.4 GB.
 */
export class EmbeddedDiffusionBackend implements DiffusionBackend {
  readonly kind = 'embedded';
  readonly url: string;
  /** Loaded on the first run, kept for this backend's model (a pulled model gets a new backend). */
  private tokenizer?: { dir: string; tokenizer: PromptTokenizer };

  constructor(
    private readonly pool: WorkerPool,
    private readonly spec: ModelSpec,
    private readonly modelsDir: string,
    private readonly settings: EmbeddedSettings,
  ) {
    this.url = `embedded:${spec.name}`;
  }

  describe(): string {
    return `embedded CPU diffusion (${this.spec.name}, ${this.settings.steps} steps at ${this.settings.size} px, ${expectedTimeLabel()})`;
  }

  txt2img(req: Txt2ImgRequest, opts: RunOptions): Promise<GeneratedImage> {
    return this.run(req, undefined, opts);
  }

  async inpaint(req: InpaintRequest, opts: RunOptions): Promise<GeneratedImage> {
    return this.run(req, req, opts);
  }

  async progress(): Promise<number | undefined> {
    return undefined;
  }

  /** Cancellation reaches the pipeline through the run's signal, between steps. */
  async interrupt(): Promise<void> {}

  async health(): Promise<boolean> {
    return true;
  }

  private async run(req: Txt2ImgRequest, paint: InpaintRequest | undefined, opts: RunOptions): Promise<GeneratedImage> {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = AbortSignal.any([opts.signal, timeout]);
    const size = workingSize(req.width, req.height, this.settings.size);
    try {
      const { files, tokenizerDir } = await verifiedPipeline(this.spec, this.modelsDir);
      if (this.tokenizer?.dir !== tokenizerDir) this.tokenizer = { dir: tokenizerDir, tokenizer: loadClipTokenizer(tokenizerDir) };
      const { tokenizer } = this.tokenizer;
      const input = paint ? await pictureAndMask(paint, size) : undefined;
      const steps = this.settings.steps;
      // A style's denoise keeps part of the photo (hair volume); LCM needs strength·50 ≥ steps.
      const strength = Math.min(1, Math.max(paint?.settings.denoise ?? 1, steps / LCM_SD15.originalInferenceSteps));
      const rgb = await generate(
        poolRunner(this.pool, files),
        {
          // LCM distils guidance into the UNet: there is no unconditional pass, so a negative prompt has no effect here.
          ids: tokenizer.encode(req.prompt),
          ...size,
          seed: req.seed,
          steps,
          guidanceScale: this.settings.guidanceScale,
          strength,
          image: input?.rgb,
          mask: input?.mask,
          scalingFactor: SD15_SCALING_FACTOR,
        },
        { signal, onProgress: opts.onProgress },
      );
      const data = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { ...size, channels: 3 } }).png().toBuffer();
      return { data, backend: this.url };
    } catch (e) {
      if (opts.signal.aborted) throw new TaskAbortedError();
      if (timeout.aborted) throw new DiffusionBackendError(this.url, `no image within ${opts.timeoutMs} ms`, 'timeout');
      if (e instanceof DiffusionBackendError || e instanceof TaskAbortedError) throw e;
      throw new DiffusionBackendError(this.url, (e as Error).message, 'engine');
    }
  }
}

/** The request's picture and mask at the working size (mask: 255 = repaint). */
async function pictureAndMask(req: InpaintRequest, size: { width: number; height: number }): Promise<{ rgb: Uint8Array; mask: Uint8Array }> {
  const rgb = await sharp(req.image).removeAlpha().toColourspace('srgb').resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  const gray = await sharp(req.mask).removeAlpha().toColourspace('b-w').resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), mask: new Uint8Array(gray.buffer, gray.byteOffset, gray.length) };
}
