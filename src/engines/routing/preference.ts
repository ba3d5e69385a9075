import type { EngineConfig } from '../engine.js';
import { ENGINE_PREFERENCE } from '../features/index.js';
import type { FeatureId } from '../../features/table.js';
import type { ModelRole, ModelSignature } from '../models/catalog.js';
import { catalogModels, presentModels } from '../models/select.js';
import type { EngineOption } from './options.js';

export type { EngineOption } from './options.js';
export { ENGINE_PREFERENCE } from '../features/index.js';

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

/**
 * Which engine serves a feature now (the first ready option of its entry in engines/features/) and
 * what would upgrade it; undefined for a feature without engines.
 */
export function routeFeature(feature: FeatureId, config: EngineConfig): FeatureRoute | undefined {
  const options = ENGINE_PREFERENCE[feature];
  if (!options) return undefined;
  const idx = options.findIndex((o) => optionReady(o, config));
  const serving = idx >= 0 ? options[idx] : undefined;
  const model = serving?.kind === 'onnx' ? presentModels(serving.role!, config.engines.modelsDir, serving.signatures)[0]?.name : undefined;
  const better = idx >= 0 ? options.slice(0, idx) : options;
  return { feature, serving, model, upgrades: better.map((option) => ({ option, how: howToEnable(option, config) })) };
}
