import type { FastifyInstance } from 'fastify';
import { ping } from '../../db/connect.js';
import { readAutoPullStatus } from '../../engines/models/auto-pull.js';
import { featureStatus } from '../../engines/routing/status.js';
import type { ApiServices } from '../services.js';

/**
 * Liveness and readiness (database, queue, storage reachable). Where this process runs engines,
 * readiness also says which engine serves each feature now and what would upgrade it (informative:
 * a feature without an engine does not make the server unready).
 */
export async function healthRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.get('/healthz', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 200, result: { ok: true } }));
  app.get('/readyz', { schema: { tags: ['Operations'], summary: 'Readiness: database, queue and storage reachable' } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    const run = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (e) {
        checks[name] = e instanceof Error ? e.message : 'failed';
      }
    };
    await run('database', () => ping(services.db));
    await run('queue', () => services.queue.check());
    await run('storage', () => services.files.storage.check());
    const ok = Object.values(checks).every((v) => v === 'ok');
    const features = services.engines
      ? Object.fromEntries(featureStatus(services.config, services.engines).map((f) => [f.feature, { available: f.available, engine: f.engine ?? null, upgrade: f.upgrade ?? null, reason: f.reason ?? null }]))
      : undefined;
    // Background model downloads (auto-pull), as the process fetching them last wrote them.
    const models = services.engines ? readAutoPullStatus(services.config.engines.modelsDir) : undefined;
    return reply
      .status(ok ? 200 : 503)
      .send(ok ? { status: 200, result: { ...checks, ...(features ? { features } : {}), ...(models ? { models } : {}) } } : { status: 503, error: 'not ready', error_code: 'ServiceUnavailable', checks });
  });
}
