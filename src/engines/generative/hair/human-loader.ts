/**
 * The hair masks use the worker thread's one `@vladmandic/human` instance, shared with the face
 * analysis (src/engines/face/human-instance.ts); RVM matting runs on it through `segmentation()`.
 */
export { getHuman, MODELS_ORIGIN, type HumanLike, type TensorLike } from '../../face/human-instance.js';
