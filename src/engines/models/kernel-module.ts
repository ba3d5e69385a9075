import { siblingModule } from '../runtime/pool.js';

/** Path of `kernels.ts`/`.js` for `WorkerPool.run` (without importing onnxruntime on the caller's thread). */
export const MODEL_KERNELS = siblingModule(import.meta.url, 'model-kernel');
