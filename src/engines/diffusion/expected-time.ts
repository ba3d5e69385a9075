import { availableParallelism } from 'node:os';

/**
 * What a user waits for one 512² image from the embedded engine on this machine, for listings. An
 * estimate, not a measurement (no weights could be downloaded where this was built): FastSD CPU
 * publishes 20 s for the same 4-step model under PyTorch on a Core i7 (8 threads); fp32
 * onnxruntime on 2 cores is taken as 3× that, and the time as inversely proportional to the cores.
 * `bench/diffusion.ts` measures it on a machine with the model installed.
 */
export function expectedSecondsPerImage(cores = availableParallelism()): number {
  return Math.round((20 * 3 * 2) / Math.max(1, cores));
}

export function expectedTimeLabel(): string {
  return `≈ ${expectedSecondsPerImage()} s per 512² image on ${availableParallelism()} cores, estimated`;
}
