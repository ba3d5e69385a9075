import type { FeatureId } from '../../features/table.js';
import type { Engine, EngineOutput } from '../engine.js';
import type { EngineConfig } from '../engine.js';
import { ENGINE_PREFERENCE, routeFeature } from './preference.js';

/** Adds the name of the engine that ran to each result's meta (kept when the engine set it). */
export function withEngineMeta(outputs: EngineOutput[], engine: string): EngineOutput[] {
  return outputs.map((o) => (o.meta && typeof o.meta.engine === 'string' ? o : { ...o, meta: { ...(o.meta ?? {}), engine } }));
}

/**
 * One feature served by the best ready engine of its preference list (decided per task, so models
 * installed or backends configured after start are picked up). Results name the engine that ran.
 */
export function routedEngine(feature: FeatureId, config: EngineConfig, engines: Record<string, Engine>, fallback: Engine): Engine {
  const options = ENGINE_PREFERENCE[feature] ?? [];
  const choose = () => {
    const route = routeFeature(feature, config);
    const option = route?.serving;
    const engine = (option && engines[option.id]) ?? fallback;
    const name = option ? (route?.model ?? option.id) : 'none';
    return { engine, name };
  };
  return {
    feature,
    availability() {
      const { engine } = choose();
      return engine.availability();
    },
    async run(job, ctx) {
      const { engine, name } = choose();
      ctx.log.debug?.({ feature, engine: name }, 'engine chosen');
      return withEngineMeta(await engine.run(job, ctx), name);
    },
    async warmUp() {
      await Promise.all(options.map((o) => engines[o.id]?.warmUp?.()));
    },
    async close() {
      const seen = new Set<Engine>();
      for (const e of [...Object.values(engines), fallback]) if (!seen.has(e)) (seen.add(e), await e.close?.());
    },
  };
}
