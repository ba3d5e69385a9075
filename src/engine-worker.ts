import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createDarkroom, type Darkroom } from './app.js';
import type { DarkroomConfig } from './config.js';

export interface EngineWorker {
  app: Darkroom;
  metricsServer?: Server;
  close(): Promise<void>;
}

/**
 * A process that only runs engines: it consumes the shared Redis queue and writes results to the
 * shared database and object storage. It opens no API port; `metricsPort` opens a metrics-only one.
 */
export async function startEngineWorker(config: DarkroomConfig, opts: { log?: Logger; metricsPort?: number } = {}): Promise<EngineWorker> {
  if (!config.redisUrl) throw new Error('darkroom worker needs a shared queue: set DARKROOM_REDIS_URL');
  if (config.databaseUrl.startsWith('sqlite:')) throw new Error('darkroom worker needs a shared database: set DARKROOM_DATABASE_URL=postgres://…');
  const app = await createDarkroom({ ...config, runEngines: true }, { log: opts.log, role: 'worker' });
  const metricsServer = opts.metricsPort ? await app.metrics.serve(opts.metricsPort, config.host) : undefined;
  return {
    app,
    metricsServer,
    async close() {
      metricsServer?.close();
      // Waits for the tasks running here to end, then removes this worker's heartbeat.
      await app.close();
    },
  };
}
