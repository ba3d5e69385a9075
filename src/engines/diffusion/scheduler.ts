/**
 * The Latent Consistency Model scheduler and the LCM pipeline's small formulas, as diffusers defines
 * them (huggingface/diffusers, src/diffusers/schedulers/scheduling_lcm.py, class LCMScheduler, and
 * src/diffusers/pipelines/latent_consistency_models/pipeline_latent_consistency_text2img.py). Plain
 * numbers in, plain numbers out, so each formula is tested against values computed by hand.
 */

/** The scheduler config an LCM distilled from Stable Diffusion 1.5 ships (`scheduler/scheduler_config.json`). */
export interface LcmConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  /** Steps of the teacher's schedule the model was distilled on (`original_inference_steps`). */
  originalInferenceSteps: number;
  /** `timestep_scaling` of the boundary-condition scalings. */
  timestepScaling: number;
  setAlphaToOne: boolean;
}

export const LCM_SD15: LcmConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  originalInferenceSteps: 50,
  timestepScaling: 10,
  setAlphaToOne: true,
};

/**
 * ᾱ_t for t = 0…T−1 of the "scaled_linear" schedule: β = linspace(√β₀, √β₁, T)², ᾱ = cumprod(1 − β).
 * scheduling_lcm.py, LCMScheduler.__init__ (`beta_schedule == "scaled_linear"`, `alphas_cumprod`).
 */
export function alphasCumprod(c: LcmConfig = LCM_SD15): Float64Array {
  const n = c.numTrainTimesteps;
  const a = Math.sqrt(c.betaStart), b = Math.sqrt(c.betaEnd);
  const out = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const sqrtBeta = n === 1 ? a : a + ((b - a) * i) / (n - 1);
    prod *= 1 - sqrtBeta * sqrtBeta;
    out[i] = prod;
  }
  return out;
}

/**
 * The inference timesteps, descending. scheduling_lcm.py, LCMScheduler.set_timesteps:
 *   k = T // original_steps;  origin = [1 … ⌊original_steps·strength⌋]·k − 1  (the distillation schedule)
 *   timesteps = reversed(origin)[⌊linspace(0, len(origin), steps, endpoint=False)⌋]
 * `strength` < 1 starts part-way (img2img / inpainting that keeps the photo's structure).
 */
export function lcmTimesteps(steps: number, strength = 1, c: LcmConfig = LCM_SD15): number[] {
  const k = Math.floor(c.numTrainTimesteps / c.originalInferenceSteps);
  const count = Math.floor(c.originalInferenceSteps * strength);
  if (steps < 1 || Math.floor(count / steps) < 1) throw new RangeError(`${steps} LCM steps need strength ≥ ${steps / c.originalInferenceSteps}`);
  if (steps > c.originalInferenceSteps) throw new RangeError(`at most ${c.originalInferenceSteps} LCM steps`);
  const origin: number[] = [];
  for (let i = count; i >= 1; i--) origin.push(i * k - 1);
  return Array.from({ length: steps }, (_, i) => origin[Math.floor((i * count) / steps)]);
}

/**
 * c_skip, c_out of the consistency boundary condition at a discrete timestep.
 * scheduling_lcm.py, LCMScheduler.get_scalings_for_boundary_condition_discrete (σ_data = 0.5):
 *   s = t·timestep_scaling;  c_skip = σ²/(s² + σ²);  c_out = s/√(s² + σ²)
 */
export function boundaryScalings(t: number, c: LcmConfig = LCM_SD15): { cSkip: number; cOut: number } {
  const sigmaData = 0.5;
  const s = t * c.timestepScaling;
  return { cSkip: sigmaData ** 2 / (s * s + sigmaData ** 2), cOut: s / Math.sqrt(s * s + sigmaData ** 2) };
}

export interface StepResult {
  /** x_{t−1}: the next step's input (equal to `denoised` after the last step). */
  prev: Float32Array;
  /** The consistency function's estimate of the clean latents. */
  denoised: Float32Array;
}

/**
 * One LCM step for an ε-predicting UNet. scheduling_lcm.py, LCMScheduler.step:
 *   x̂₀ = (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t                       (prediction_type "epsilon")
 *   denoised = c_out·x̂₀ + c_skip·x_t
 *   x_prev = √ᾱ_prev·denoised + √(1−ᾱ_prev)·z   (z ~ N(0, I)), or denoised on the last step
 * where ᾱ_prev is ᾱ of the next timestep of the schedule (ᾱ_final = 1 when set_alpha_to_one).
 * `noise` is z; it is not read on the last step.
 */
export function lcmStep(eps: Float32Array, t: number, sample: Float32Array, timesteps: readonly number[], index: number, noise: Float32Array | undefined, alphas: Float64Array, c: LcmConfig = LCM_SD15): StepResult {
  const last = index === timesteps.length - 1;
  const prevT = last ? t : timesteps[index + 1];
  const aT = alphas[t];
  const aPrev = prevT >= 0 ? alphas[prevT] : c.setAlphaToOne ? 1 : alphas[0];
  const { cSkip, cOut } = boundaryScalings(t, c);
  const sqrtA = Math.sqrt(aT), sqrtB = Math.sqrt(1 - aT);
  const sqrtAPrev = Math.sqrt(aPrev), sqrtBPrev = Math.sqrt(1 - aPrev);
  const denoised = new Float32Array(sample.length);
  const prev = last ? denoised : new Float32Array(sample.length);
  if (!last && (!noise || noise.length !== sample.length)) throw new RangeError('an LCM step before the last needs noise of the latents\' size');
  for (let i = 0; i < sample.length; i++) {
    const x0 = (sample[i] - sqrtB * eps[i]) / sqrtA;
    denoised[i] = cOut * x0 + cSkip * sample[i];
    if (!last) prev[i] = sqrtAPrev * denoised[i] + sqrtBPrev * noise![i];
  }
  return { prev, denoised };
}

/**
 * Forward diffusion of clean latents to timestep t. scheduling_lcm.py, LCMScheduler.add_noise:
 *   x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·z
 */
export function addNoise(x0: Float32Array, noise: Float32Array, t: number, alphas: Float64Array): Float32Array {
  const a = Math.sqrt(alphas[t]), b = Math.sqrt(1 - alphas[t]);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = a * x0[i] + b * noise[i];
  return out;
}

/**
 * The guidance-scale embedding an LCM's UNet takes as `timestep_cond` (guidance is distilled in: one
 * UNet pass per step, no unconditional branch).
 * pipeline_latent_consistency_text2img.py, LatentConsistencyModelPipeline.get_guidance_scale_embedding
 * with w = guidance_scale − 1 (`__call__`):
 *   w ← 1000·w;  h = dim/2;  f_i = exp(−i·ln(10000)/(h−1));  emb = [sin(w·f), cos(w·f)]  (zero-padded when dim is odd)
 */
export function guidanceEmbedding(guidanceScale: number, dim: number): Float32Array {
  const w = (guidanceScale - 1) * 1000;
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const step = Math.log(10000) / (half - 1);
  for (let i = 0; i < half; i++) {
    const v = w * Math.exp(-i * step);
    out[i] = Math.sin(v);
    out[half + i] = Math.cos(v);
  }
  return out;
}
