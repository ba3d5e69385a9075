import type { FeatureId } from './features/table.js';
import type { DarkroomConfig } from './config/schema.js';

/**
 * Configuration: one schema (./config/schema.ts) with each key's default and env variable, loaded
 * and checked by ./config/load.ts. Every key is documented in docs/configuration.md. Nothing else
 * in src reads process.env (the CLI's client connection options and the test-only fault points aside).
 */
export { ConfigSchema, type DarkroomConfig } from './config/schema.js';
export { ConfigError, DEFAULTS, finalizeConfig, loadConfig, type ConfigOverrides } from './config/load.js';

export function priceOf(cfg: DarkroomConfig, feature: FeatureId, base: number): number {
  return cfg.prices[feature] ?? base;
}
