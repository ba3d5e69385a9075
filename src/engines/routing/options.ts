import { expectedTimeLabel } from '../diffusion/expected-time.js';
import type { ModelRole, ModelSignature } from '../models/catalog.js';

/** One way a feature can be served. */
export interface EngineOption {
  id: string;
  kind: 'diffusion' | 'onnx' | 'builtin';
  /** What runs, for listings and result meta. */
  label: string;
  /** ONNX options: the model role (and signatures) that must be present. */
  role?: ModelRole;
  signatures?: readonly ModelSignature[];
  /** ONNX options: further models that must be present too (e.g. inswapper needs ArcFace). */
  alsoNeeds?: readonly { role: ModelRole; signatures: readonly ModelSignature[] }[];
}

/** The options several features share. */
export const DIFFUSION: EngineOption = { id: 'diffusion', kind: 'diffusion', label: 'diffusion backend (ComfyUI / AUTOMATIC1111)' };
export const DIFFUSION_INPAINT: EngineOption = { id: 'diffusion-inpaint', kind: 'diffusion', label: 'diffusion inpainting workflow (ComfyUI / AUTOMATIC1111)' };
export const ONNX_INPAINT: EngineOption = { id: 'onnx-inpaint', kind: 'onnx', label: 'LaMa / MI-GAN inpainting (ONNX)', role: 'inpaint', signatures: ['lama', 'migan'] };
export const PATCHMATCH: EngineOption = { id: 'patchmatch', kind: 'builtin', label: 'classical multi-scale PatchMatch' };
/** The embedded CPU diffusion engine (src/engines/diffusion/): the same generative path, on this machine. */
export const EMBEDDED: EngineOption = { id: 'embedded-diffusion', kind: 'onnx', label: `embedded CPU diffusion (LCM, ${expectedTimeLabel()})`, role: 'diffusion', signatures: ['lcm-sd15'] };
export const EMBEDDED_INPAINT: EngineOption = { ...EMBEDDED, id: 'embedded-inpaint', label: `embedded CPU diffusion inpainting (LCM, ${expectedTimeLabel()})` };
/** A feature with one engine, always ready: its implementation names itself in listings and results. */
export const BUILTIN: EngineOption = { id: 'builtin', kind: 'builtin', label: 'built-in engine' };
