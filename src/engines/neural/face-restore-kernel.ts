/** Worker-side GFPGAN: restores one aligned 512² face crop (runs in face-restore.ts's own worker). */
import os from 'node:os';
import { restoreFace } from '../models/adapters/face.js';
import { sessionFor, type ModelRef } from '../models/onnx.js';

export interface RestoreCropArgs {
  model: ModelRef;
  /** GFPGAN_SIZE² RGB bytes. */
  crop: Uint8Array;
}

export async function restoreCrop(a: RestoreCropArgs): Promise<Uint8Array> {
  // The only GFPGAN session in the process (its own worker): one inference may use every core, and
  // its 512² activations are given back after each face rather than kept in ORT's arena.
  const session = await sessionFor(a.model, { intraOpNumThreads: os.availableParallelism(), releaseBetweenRuns: true });
  return restoreFace(session, a.crop);
}
