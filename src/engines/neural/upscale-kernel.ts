/** Worker-side super resolution: runs one padded tile through an ESRGAN model on tfjs-wasm. */
import type * as TF from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { modelSpec } from '../models/catalog.js';
import { requireModel } from '../models/resolve.js';
import { tfjsWasm } from '../runtime/tfjs.js';
import { backProject, keptBytes } from './backproject.js';

const loaded = new Map<string, Promise<TF.LayersModel>>();

export function loadUpscaler(model: string, modelsDir: string): Promise<TF.LayersModel> {
  let p = loaded.get(model);
  if (!p) {
    p = (async () => {
      const tf = await tfjsWasm();
      const resolved = await requireModel(modelSpec(model), modelsDir);
      return tf.loadLayersModel(pathToFileURL(path.join(resolved.dir, 'model.json')).href);
    })();
    p.catch(() => loaded.delete(model));
    loaded.set(model, p);
  }
  return p;
}

export interface UpscaleTileArgs {
  model: string;
  modelsDir: string;
  scale: number;
  /** Padded input region, RGB interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
  /** The part of the region to return (input pixels); the rest is context that is thrown away. */
  keep: { x: number; y: number; w: number; h: number };
}

/**
 * Returns the kept part of the upscaled region: (keep.w*scale) x (keep.h*scale) RGB bytes. The
 * whole padded region is back-projected onto its input before the context is thrown away, so the
 * correction near the kept border sees real neighbours.
 */
export async function upscaleTile(a: UpscaleTileArgs): Promise<Uint8Array> {
  const tf = await tfjsWasm();
  const net = await loadUpscaler(a.model, a.modelsDir);
  const S = a.scale;
  const out = tf.tidy(() => net.predict(tf.tensor4d(Float32Array.from(a.data), [1, a.height, a.width, 3])) as TF.Tensor4D);
  const up = (await out.data()) as Float32Array;
  out.dispose();
  backProject(up, a.data, a.width, a.height, S);
  return keptBytes(up, a.width * S, a.keep, S);
}

/** Loads the models ahead of the first task. */
export async function warmUpscaler(a: { models: string[]; modelsDir: string; tile: number }): Promise<void> {
  const tf = await tfjsWasm();
  for (const m of a.models) {
    const net = await loadUpscaler(m, a.modelsDir);
    // The first inference at a shape is several times slower (wasm memory growth): pay it here.
    tf.tidy(() => net.predict(tf.zeros([1, a.tile, a.tile, 3])) as TF.Tensor).dispose();
  }
}
