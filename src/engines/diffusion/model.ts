import path from 'node:path';
import type { ModelSpec } from '../models/catalog.js';
import { requireModel } from '../models/resolve.js';
import { presentModels } from '../models/select.js';
import type { PipelineFiles } from './diffusion-kernel.js';

/** The model family the pipeline runs: an SD 1.5 UNet distilled by LCM, in diffusers' ONNX layout. */
export const SIGNATURES = ['lcm-sd15'] as const;

/** SD 1.5's VAE `scaling_factor` (vae/config.json). */
export const SD15_SCALING_FACTOR = 0.18215;

/** The best installed embedded diffusion model, if any (presence only; loading verifies). */
export function installedDiffusionModel(modelsDir: string): ModelSpec | undefined {
  return presentModels('diffusion', modelsDir, SIGNATURES)[0];
}

export interface VerifiedPipeline {
  files: PipelineFiles;
  tokenizerDir: string;
}

/**
 * The model's files by their place in diffusers' ONNX layout (`text_encoder/`, `unet/`,
 * `vae_decoder/`, `vae_encoder/`, `tokenizer/`), each checked against its sha256 first.
 */
export async function verifiedPipeline(spec: ModelSpec, modelsDir: string): Promise<VerifiedPipeline> {
  const model = await requireModel(spec, modelsDir);
  const byFolder = (folder: string, file = 'model.onnx') => {
    const i = spec.files.findIndex((f) => f.path === `${folder}/${file}`);
    return i >= 0 ? model.files[i] : undefined;
  };
  const need = (folder: string) => {
    const f = byFolder(folder);
    if (!f) throw new Error(`model ${spec.name} has no ${folder}/model.onnx`);
    return f;
  };
  const vocab = byFolder('tokenizer', 'tokenizer.json') ?? byFolder('tokenizer', 'vocab.json');
  if (!vocab) throw new Error(`model ${spec.name} has no tokenizer/tokenizer.json or tokenizer/vocab.json`);
  return {
    files: { textEncoder: need('text_encoder'), unet: need('unet'), vaeDecoder: need('vae_decoder'), vaeEncoder: byFolder('vae_encoder') },
    tokenizerDir: path.dirname(vocab),
  };
}
