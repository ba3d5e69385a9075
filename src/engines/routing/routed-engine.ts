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
 * installed or backends configured after start are picked up). When the options are different
 * engines, results name the route that ran (an engine that picks its own model names it itself).
 * With none ready, the last option's engine answers: the built-in method, or an engine that says
 * what is missing.
 */
export function routedEngine(feature: FeatureId, config: EngineConfig, engines: Readonly<Record<string, Engine>>): Engine {
  const options = ENGINE_PREFERENCE[feature] ?? [];
  const fallback = engines[options[options.length - 1].id];
  const choose = () => {
    const route = routeFeature(feature, config);
    const option = route?.serving;
    const engine = (option && engines[option.id]) ?? fallback;
    const name = option ? (route?.model ?? option.id) : 'none';
    return { engine, name };
  };
  const distinct = [...new Set(Object.values(engines))];
  return {
    feature,
    availability() {
      const { engine } = choose();
      return engine.availability();
    },
    async run(job, ctx) {
      const { engine, name } = choose();
      ctx.log.debug?.({ feature, engine: name }, 'engine chosen');
      const outputs = await engine.run(job, ctx);
      return distinct.length > 1 ? withEngineMeta(outputs, name) : outputs;
    },
    async warmUp() {
      await Promise.all(distinct.map((e) => e.warmUp?.()));
    },
    async close() {
      for (const e of distinct) await e.close?.();
    },
  };
}
