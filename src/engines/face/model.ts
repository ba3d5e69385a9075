/** Availability and warm-up of the face model shared by the face engines. */
import { createRequire } from 'node:module';
import type { Availability, WorkerPool } from '../engine.js';
import { HUMAN_KERNEL } from './analysis.js';

const require = createRequire(import.meta.url);

export function humanImplementation(extra = ''): Availability {
  try {
    require.resolve('@vladmandic/human');
    require.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    return { available: false, reason: 'install @vladmandic/human and @tensorflow/tfjs-backend-wasm' };
  }
  return { available: true, implementation: `@vladmandic/human (BlazeFace + 478-point FaceMesh) on tfjs-wasm${extra}` };
}

/** Loads the model in one pool thread (others load on first use). */
export async function warmUpFaceModel(pool: WorkerPool): Promise<void> {
  await HUMAN_KERNEL.run(pool, 'warmUp', {});
}
