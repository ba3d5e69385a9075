import { expectedTimeLabel } from '../diffusion/expected-time.js';
import type { EngineConfig } from '../engine.js';
import type { FeatureId } from '../../features/table.js';
import type { ModelRole, ModelSignature } from '../models/catalog.js';
import { catalogModels, presentModels } from '../models/select.js';

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

const DIFFUSION: EngineOption = { id: 'diffusion', kind: 'diffusion', label: 'diffusion backend (ComfyUI / AUTOMATIC1111)' };
const DIFFUSION_INPAINT: EngineOption = { id: 'diffusion-inpaint', kind: 'diffusion', label: 'diffusion inpainting workflow (ComfyUI / AUTOMATIC1111)' };
const ONNX_INPAINT: EngineOption = { id: 'onnx-inpaint', kind: 'onnx', label: 'LaMa / MI-GAN inpainting (ONNX)', role: 'inpaint', signatures: ['lama', 'migan'] };
const PATCHMATCH: EngineOption = { id: 'patchmatch', kind: 'builtin', label: 'classical multi-scale PatchMatch' };
/** The embedded CPU diffusion engine (src/engines/diffusion/): the same generative path, on this machine. */
const EMBEDDED: EngineOption = { id: 'embedded-diffusion', kind: 'onnx', label: `embedded CPU diffusion (LCM, ${expectedTimeLabel()})`, role: 'diffusion', signatures: ['lcm-sd15'] };
const EMBEDDED_INPAINT: EngineOption = { ...EMBEDDED, id: 'embedded-inpaint', label: `embedded CPU diffusion inpainting (LCM, ${expectedTimeLabel()})` };

/**
 * Each feature's engines, best first: a configured diffusion backend where the feature is generative
 * or gains from it, then ONNX models when present, then the built-in method. Only engines that are
 * wired into the feature are listed; a feature missing here has exactly one engine.
 * It lives with the engines, not in the feature contract, so that src/features never depends on engine
 * or model types (the layering test in test/architecture keeps imports one-way).
 */
export const ENGINE_PREFERENCE: Partial<Record<FeatureId, readonly EngineOption[]>> = {
  // LaMa was trained for removal; SD 1.5 without an inpainting UNet tends to paint a new object into
  // a hole, so for removal the embedded engine only stands above PatchMatch. Extending a border is
  // new content, what diffusion does best, so there it comes before LaMa.
  'obj-removal': [DIFFUSION_INPAINT, ONNX_INPAINT, EMBEDDED_INPAINT, PATCHMATCH],
  'out-paint': [DIFFUSION_INPAINT, EMBEDDED_INPAINT, ONNX_INPAINT, PATCHMATCH],
  enhance: [
    { id: 'onnx-realesrgan', kind: 'onnx', label: 'Real-ESRGAN super resolution (ONNX)', role: 'super-resolution', signatures: ['realesrgan'] },
    { id: 'esrgan', kind: 'builtin', label: 'ESRGAN slim/medium super resolution (npm, tfjs-wasm)' },
  ],
  colorize: [{ id: 'onnx-colorize', kind: 'onnx', label: 'DDColor / Zhang et al. colorization (ONNX)', role: 'colorize', signatures: ['ddcolor', 'siggraph17', 'eccv16'] }],
  'face-swap': [
    { id: 'onnx-face-swap', kind: 'onnx', label: 'inswapper 128 + ArcFace identity swap (ONNX)', role: 'face-swap', signatures: ['inswapper'], alsoNeeds: [{ role: 'face-embedding', signatures: ['arcface'] }] },
    { id: 'landmark-warp', kind: 'builtin', label: 'classical mesh-warp face swap' },
  ],
  'text-to-image': [DIFFUSION, EMBEDDED],
  'obj-replace': [DIFFUSION, EMBEDDED],
  'hair-style': [DIFFUSION, EMBEDDED],
  'hair-ext': [DIFFUSION, EMBEDDED],
  'hair-bang': [DIFFUSION, EMBEDDED],
  'hair-vol': [DIFFUSION, EMBEDDED],
};

export function diffusionConfigured(config: EngineConfig): boolean {
  return config.diffusion.a1111.length + config.diffusion.comfyui.length > 0;
}

/** Whether an option can run on this server now (configuration and installed files only). */
export function optionReady(option: EngineOption, config: EngineConfig): boolean {
  if (option.kind === 'diffusion') return diffusionConfigured(config);
  if (option.role === 'diffusion' && !config.diffusion.embedded.enabled) return false;
  if (option.kind === 'onnx') return onnxNeeds(option).every((n) => presentModels(n.role, config.engines.modelsDir, n.signatures).length > 0);
  return true;
}

/** Every model group an ONNX option needs: its own role, then the companions. */
function onnxNeeds(option: EngineOption): { role: ModelRole; signatures?: readonly ModelSignature[] }[] {
  return [{ role: option.role!, signatures: option.signatures }, ...(option.alsoNeeds ?? [])];
}

export interface FeatureRoute {
  feature: FeatureId;
  /** The option serving the feature now, or undefined when none can. */
  serving?: EngineOption;
  /** For ONNX options: the model that would run. */
  model?: string;
  /** Better options not ready, each with what enables it. */
  upgrades: { option: EngineOption; how: string }[];
}

function howToEnable(option: EngineOption, config: EngineConfig): string {
  if (option.kind === 'diffusion') return 'set DARKROOM_COMFYUI_URLS or DARKROOM_A1111_URLS (or `docker compose --profile gpu up`)';
  if (option.kind === 'onnx') {
    const dir = config.engines.modelsDir;
    const missing = onnxNeeds(option).filter((n) => presentModels(n.role, dir, n.signatures).length === 0);
    const groups = missing.map((n) => catalogModels(n.role, dir).filter((m) => !n.signatures || (m.signature && n.signatures.includes(m.signature))));
    const first = groups.map((g) => g[0]).filter((m) => m !== undefined);
    const alternatives = groups.flatMap((g) => g.slice(1).map((m) => m.name));
    const licence = first.some((m) => m.licenceNotice) ? ' --accept-licence' : '';
    return `darkroom models pull ${first.map((m) => m.name).join(' ')}${licence}${alternatives.length ? ` (or ${alternatives.join(', ')})` : ''}`;
  }
  return '';
}

/** Which engine serves a routed feature now and what would upgrade it; undefined for unrouted features. */
export function routeFeature(feature: FeatureId, config: EngineConfig): FeatureRoute | undefined {
  const options = ENGINE_PREFERENCE[feature];
  if (!options) return undefined;
  const idx = options.findIndex((o) => optionReady(o, config));
  const serving = idx >= 0 ? options[idx] : undefined;
  const model = serving?.kind === 'onnx' ? presentModels(serving.role!, config.engines.modelsDir, serving.signatures)[0]?.name : undefined;
  const better = idx >= 0 ? options.slice(0, idx) : options;
  return { feature, serving, model, upgrades: better.map((option) => ({ option, how: howToEnable(option, config) })) };
}
