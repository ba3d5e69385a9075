/**
 * The Latent Consistency Model pipeline: text-to-image, and inpainting by putting the photo's own
 * latents back outside the mask after every step. It follows diffusers'
 * pipelines/latent_consistency_models/pipeline_latent_consistency_text2img.py (and _img2img.py for a
 * strength below 1) and pipeline_stable_diffusion_inpaint.py for the blending; every network call goes
 * through `runner`, so progress is reported and cancellation honoured between steps.
 */
import { TaskAbortedError } from '../errors.js';
import { blendKnown, latentMask, scaled } from './latents.js';
import { gaussianStream } from './random.js';
import { addNoise, alphasCumprod, guidanceEmbedding, lcmStep, lcmTimesteps, LCM_SD15, type LcmConfig } from './scheduler.js';

/** The network calls the pipeline makes (a pool thread in production; the kernel itself in tests). */
export interface DiffusionRunner {
  encodeText(ids: number[]): Promise<{ hidden: Float32Array; dims: number[] }>;
  /** Width of the UNet's `timestep_cond`, 0 when it has none. */
  condDim(): Promise<number>;
  unet(req: { sample: Float32Array; latentWidth: number; latentHeight: number; timestep: number; hidden: Float32Array; hiddenDims: number[]; cond?: Float32Array }): Promise<Float32Array>;
  vaeEncode(rgb: Uint8Array, width: number, height: number): Promise<Float32Array>;
  vaeDecode(latents: Float32Array, latentWidth: number, latentHeight: number): Promise<Uint8Array>;
}

export interface GenerateRequest {
  /** Prompt token ids, already padded to the encoder's length. */
  ids: number[];
  /** Multiples of 8 (of 64 for an SD 1.5 UNet's three down-samplings). */
  width: number;
  height: number;
  seed: number;
  steps: number;
  /** LCM guidance (distilled in: one UNet pass per step). */
  guidanceScale: number;
  /** 1 starts from pure noise; below 1 starts from the photo noised part-way (needs `image`). */
  strength: number;
  /** RGB of the picture to repaint, width×height. */
  image?: Uint8Array;
  /** 255 = repaint, width×height; requires `image`. */
  mask?: Uint8Array;
  /** The VAE's `scaling_factor` (0.18215 for SD 1.5). */
  scalingFactor: number;
  scheduler?: LcmConfig;
}

export interface PipelineOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** RGB bytes of the generated picture, width×height. */
export async function generate(runner: DiffusionRunner, req: GenerateRequest, opts: PipelineOptions = {}): Promise<Uint8Array> {
  const { width, height } = req;
  if (width % 8 || height % 8) throw new RangeError(`diffusion size ${width}x${height} is not a multiple of 8`);
  if (req.mask && !req.image) throw new RangeError('a mask needs the image it masks');
  const cfg = req.scheduler ?? LCM_SD15;
  const lw = width / 8, lh = height / 8, n = 4 * lw * lh;
  const checkpoint = () => {
    if (opts.signal?.aborted) throw new TaskAbortedError();
  };
  const strength = req.image ? req.strength : 1;
  const timesteps = lcmTimesteps(req.steps, strength, cfg);
  const alphas = alphasCumprod(cfg);
  const randn = gaussianStream(req.seed);
  const total = req.steps + 2;
  let done = 0;
  const tick = () => opts.onProgress?.(++done / total);

  const { hidden, dims } = await runner.encodeText(req.ids);
  checkpoint();
  const condDim = await runner.condDim();
  const cond = condDim > 0 ? guidanceEmbedding(req.guidanceScale, condDim) : undefined;

  // The photo's latents, scaled into the UNet's range (pipeline_stable_diffusion_inpaint.py,
  // _encode_vae_image: scaling_factor · encode(image)).
  const known = req.image ? scaled(await runner.vaeEncode(req.image, width, height), req.scalingFactor) : undefined;
  tick();
  checkpoint();

  // Initial latents (pipeline_stable_diffusion_inpaint.py, prepare_latents): pure noise at full
  // strength (LCM's init_noise_sigma is 1), else the photo noised to the first timestep.
  const noise = randn(n);
  let latents = known && strength < 1 ? addNoise(known, noise, timesteps[0], alphas) : noise;
  const m = req.mask ? latentMask(req.mask, width, height) : undefined;

  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const eps = await runner.unet({ sample: latents, latentWidth: lw, latentHeight: lh, timestep: t, hidden, hiddenDims: dims, cond });
    const last = i === timesteps.length - 1;
    latents = lcmStep(eps, t, latents, timesteps, i, last ? undefined : randn(n), alphas, cfg).prev;
    if (known && m) {
      // The photo's latents at the next step's noise level (clean after the last step), with the
      // first noise, as the inpainting pipeline's loop does.
      const proper = last ? known : addNoise(known, noise, timesteps[i + 1], alphas);
      latents = blendKnown(latents, proper, m);
    }
    tick();
    checkpoint();
  }
  // Decode (pipeline_latent_consistency_text2img.py, __call__: vae.decode(denoised / scaling_factor)).
  const rgb = await runner.vaeDecode(scaled(latents, 1 / req.scalingFactor), lw, lh);
  tick();
  return rgb;
}
