import type { Logger } from 'pino';
import type { EngineConfig, WorkerPool } from '../engine.js';
import { createClientFromBackends, type DiffusionClient } from '../generative/backends/client.js';
import { EmbeddedDiffusionBackend } from './embedded-backend.js';
import { installedDiffusionModel } from './model.js';

export { EmbeddedDiffusionBackend, workingSize } from './embedded-backend.js';
export { installedDiffusionModel } from './model.js';

const clients = new WeakMap<EngineConfig, { model: string; client: DiffusionClient }>();

/**
 * The embedded engine's client when it may serve: enabled, and a diffusion model installed now (looked
 * up per call, so a model pulled while the server runs serves from the next task). Configured servers
 * take precedence; the caller asks here only when none is configured.
 */
export function embeddedDiffusionClient(config: EngineConfig, pool: WorkerPool, log: Logger): DiffusionClient | undefined {
  if (!config.diffusion.embedded.enabled) return undefined;
  const spec = installedDiffusionModel(config.engines.modelsDir);
  if (!spec) return undefined;
  const hit = clients.get(config);
  if (hit?.model === spec.name) return hit.client;
  const backend = new EmbeddedDiffusionBackend(pool, spec, config.engines.modelsDir, config.diffusion.embedded);
  // One job at a time: a second would load a second copy of the UNet in another thread.
  const client = createClientFromBackends([backend], log, { timeoutMs: config.diffusion.timeoutMs, concurrencyPerBackend: 1 });
  clients.set(config, { model: spec.name, client });
  return client;
}
