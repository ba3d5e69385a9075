import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';

/** The model kernels (`model-kernel.ts`), typed from the module without importing onnxruntime on the caller's thread. */
export const MODEL_KERNELS = kernelHandle<typeof import('./model-kernel.js')>(siblingModule(import.meta.url, 'model-kernel'));
