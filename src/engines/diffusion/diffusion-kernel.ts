/**
 * The diffusion model's four networks, run inside a pool thread. Each export is one network call,
 * so the pipeline (on the caller's thread) reports progress and stops between steps; the sessions
 * stay loaded in the thread between calls and leave with it when it idles out.
 *
 * Files arrive already verified (sha256) by the caller: the UNet's weights are gigabytes, and hashing
 * them again in every new thread would cost more than a step.
 */
import { availableParallelism } from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { inputType } from '../models/onnx.js';
import { vaeToImage, imageToVae } from './latents.js';

export interface PipelineFiles {
  textEncoder: string;
  unet: string;
  vaeDecoder: string;
  vaeEncoder?: string;
}

const sessions = new Map<string, Promise<InferenceSession>>();

function session(file: string): Promise<InferenceSession> {
  let s = sessions.get(file);
  if (!s) {
    s = import('onnxruntime-node').then((ort) =>
      // From the path, not a buffer: the UNet keeps its weights in an external `model.onnx_data`
      // beside it, which onnxruntime finds relative to the file.
      ort.InferenceSession.create(file, {
        executionProviders: ['cpu'],
        // 'extended' stops before the layout transforms that keep a second, repacked copy of the weights (3.4 GB for the UNet).
        graphOptimizationLevel: 'extended',
        // One diffusion task runs at a time (the backend's own queue), so it may use every core.
        intraOpNumThreads: availableParallelism(),
        interOpNumThreads: 1,
      }),
    );
    sessions.set(file, s);
    s.catch(() => sessions.delete(file));
  }
  return s;
}

async function tensor(type: string | undefined, values: number[], dims: number[]): Promise<Tensor> {
  const { Tensor: T } = await import('onnxruntime-node');
  if (type === 'int64') return new T('int64', BigInt64Array.from(values.map((v) => BigInt(Math.round(v)))), dims);
  if (type === 'int32') return new T('int32', Int32Array.from(values.map(Math.round)), dims);
  return new T('float32', Float32Array.from(values), dims);
}

function floats(t: Tensor): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`expected a float32 output, got ${t.type}`);
  return t.data;
}

function output(out: Record<string, Tensor>, s: InferenceSession, preferred: string): Tensor {
  return out[preferred] ?? out[s.outputNames[0]];
}

/** Token ids [1,77] → the text encoder's last hidden state [1,77,D]. */
export async function encodeTextKernel(req: { files: PipelineFiles; ids: number[] }): Promise<{ hidden: Float32Array; dims: number[] }> {
  const s = await session(req.files.textEncoder);
  const name = s.inputNames.includes('input_ids') ? 'input_ids' : s.inputNames[0];
  const feeds = { [name]: await tensor(inputType(s, name) ?? 'int32', req.ids, [1, req.ids.length]) };
  const h = output(await s.run(feeds), s, 'last_hidden_state');
  return { hidden: floats(h), dims: [...h.dims] };
}

/** The UNet's `timestep_cond` width (the LCM guidance embedding), 0 when it takes none. */
export async function unetCondDimKernel(req: { files: PipelineFiles }): Promise<number> {
  const s = await session(req.files.unet);
  const meta = s.inputMetadata?.find((m) => m.name === 'timestep_cond');
  if (!meta) return 0;
  const dim = meta.isTensor ? meta.shape[1] : undefined;
  return typeof dim === 'number' && dim > 0 ? dim : 256;
}

export interface UnetRequest {
  files: PipelineFiles;
  /** Latents [1,4,h,w]. */
  sample: Float32Array;
  latentWidth: number;
  latentHeight: number;
  timestep: number;
  hidden: Float32Array;
  hiddenDims: number[];
  /** Guidance embedding for `timestep_cond`, when the UNet takes one. */
  cond?: Float32Array;
}

/** One UNet evaluation: ε predicted for the latents at `timestep`. */
export async function unetKernel(req: UnetRequest): Promise<Float32Array> {
  const s = await session(req.files.unet);
  const { Tensor: T } = await import('onnxruntime-node');
  const tMeta = s.inputMetadata?.find((m) => m.name === 'timestep');
  const tDims = tMeta?.isTensor && tMeta.shape.length === 0 ? [] : [1];
  const feeds: Record<string, Tensor> = {
    sample: new T('float32', req.sample, [1, 4, req.latentHeight, req.latentWidth]),
    timestep: await tensor(inputType(s, 'timestep') ?? 'int64', [req.timestep], tDims),
    encoder_hidden_states: new T('float32', req.hidden, req.hiddenDims),
  };
  if (s.inputNames.includes('timestep_cond')) {
    if (!req.cond) throw new Error('this UNet takes timestep_cond and no guidance embedding was given');
    feeds.timestep_cond = new T('float32', req.cond, [1, req.cond.length]);
  }
  return floats(output(await s.run(feeds), s, 'out_sample'));
}

/** Unscaled latents [1,4,h,w] → RGB bytes. */
export async function vaeDecodeKernel(req: { files: PipelineFiles; latents: Float32Array; latentWidth: number; latentHeight: number }): Promise<Uint8Array> {
  const s = await session(req.files.vaeDecoder);
  const { Tensor: T } = await import('onnxruntime-node');
  const name = s.inputNames.includes('latent_sample') ? 'latent_sample' : s.inputNames[0];
  const img = output(await s.run({ [name]: new T('float32', req.latents, [1, 4, req.latentHeight, req.latentWidth]) }), s, 'sample');
  return vaeToImage(floats(img), img.dims[3], img.dims[2]);
}

/**
 * RGB bytes → unscaled latents [1,4,h,w]. Exports differ in what the encoder returns: a sample of the
 * latent distribution (4 channels, `latent_sample`) or its parameters (8 channels: mean then log-variance,
 * `latent_parameters`); of the parameters the mean is kept, as diffusers' retrieve_latents does with
 * sample_mode "argmax" (pipeline_stable_diffusion_img2img.py).
 */
export async function vaeEncodeKernel(req: { files: PipelineFiles; rgb: Uint8Array; width: number; height: number }): Promise<Float32Array> {
  if (!req.files.vaeEncoder) throw new Error('this model has no VAE encoder: inpainting needs one');
  const s = await session(req.files.vaeEncoder);
  const { Tensor: T } = await import('onnxruntime-node');
  const name = s.inputNames.includes('sample') ? 'sample' : s.inputNames[0];
  const out = await s.run({ [name]: new T('float32', imageToVae(req.rgb, req.width, req.height), [1, 3, req.height, req.width]) });
  const lat = out.latent_sample ?? out.latent_parameters ?? out[s.outputNames[0]];
  const data = floats(lat);
  const plane = lat.dims[2] * lat.dims[3];
  return lat.dims[1] === 4 ? data : data.slice(0, 4 * plane);
}
