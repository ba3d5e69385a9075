import type { FeatureId } from '../../features/table.js';
import type { EngineOption } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';
import { ENTRY_BY_FEATURE } from './entries.generated.js';

export { ENTRY_BY_FEATURE };

/** Every feature's entry, one per contract feature (entries.generated.ts imports each entry file). */
export const FEATURE_ENTRIES: readonly FeatureEntry[] = Object.values(ENTRY_BY_FEATURE);

/**
 * Each feature's engines, best first: a configured diffusion backend where the feature is generative
 * or gains from it, then ONNX models when present, then the built-in method. Derived from the entries,
 * so a feature's options and the engines that serve them are written once, in its entry file.
 */
export const ENGINE_PREFERENCE: Partial<Record<FeatureId, readonly EngineOption[]>> = Object.fromEntries(FEATURE_ENTRIES.map((e) => [e.feature, e.routes.map((r) => r.option)]));
