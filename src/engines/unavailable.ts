import { feature, type FeatureId } from '../features/table.js';
import type { Engine } from './engine.js';
import { EngineError } from './errors.js';

/** The engine for a feature this server cannot run: every task fails with a clear reason, never a fake result. */
export function unavailableEngine(id: FeatureId, reason: string): Engine {
  return {
    feature: id,
    availability: () => ({ available: false, reason }),
    async run() {
      throw new EngineError('error_inference', `${feature(id).title} is not available on this server: ${reason}`);
    },
  };
}
