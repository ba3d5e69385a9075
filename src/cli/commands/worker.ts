import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { startEngineWorker } from '../../engine-worker.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('run engines only: take tasks from the Redis queue (no HTTP API; needs DARKROOM_REDIS_URL and a PostgreSQL DARKROOM_DATABASE_URL)')
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port (default: the metricsPort setting, DARKROOM_METRICS_PORT; else none)', (v) => Number(v))
    .action(async (opts: { metricsPort?: number }) => {
      const config = ctx.config();
      const metricsPort = opts.metricsPort ?? config.metricsPort;
      const worker = await startEngineWorker(config, { metricsPort });
      const { db, queue } = worker.app.services;
      console.log(`Darkroom worker ${process.pid} is taking tasks (database: ${db.dialect}, storage: ${worker.app.services.files.storage.name}, queue: ${queue.name}, concurrency: ${config.tasks.concurrency})`);
      if (metricsPort) console.log(`  metrics  http://${config.host}:${metricsPort}/metrics`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        console.log('stopping: finishing the tasks running here');
        await worker.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
