import path from 'node:path';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { AdminService } from './auth/admin.service.js';
import { ensureDevKey, type DevKey } from './auth/dev-key.js';
import { KeysService } from './auth/keys.service.js';
import { MasterKey } from './auth/master-key.js';
import { TokensService } from './auth/tokens.service.js';
import { isLocalhostUrl, publicBaseUrl } from './api/request-origin.js';
import { buildServer } from './api/server.js';
import type { ApiServices } from './api/services.js';
import { CreditsService } from './billing/credits.service.js';
import { priceOf, type DarkroomConfig } from './config.js';
import { openDatabase, type Db } from './db/connect.js';
import { createEngineRegistry, type EngineRegistry } from './engines/registry.js';
import { resolveMemoryBudgetMb } from './engines/runtime/memory-budget.js';
import { MemoryGovernor } from './engines/runtime/memory-governor.js';
import { createWorkerPool } from './engines/runtime/pool.js';
import type { WorkerPool } from './engines/engine.js';
import { startAutoPull, type AutoPull } from './engines/models/auto-pull.js';
import { feature } from './features/table.js';
import type { FeatureId } from './features/table.js';
import { FilesService } from './files/files.service.js';
import { DarkroomMetrics } from './metrics/metrics.js';
import { LocalDiskStorage } from './storage/local-disk.js';
import type { ObjectStorage } from './storage/storage.js';
import { UrlSigner } from './storage/url-signer.js';
import { InProcessQueue } from './tasks/in-process-queue.js';
import type { TaskQueue } from './tasks/queue.js';
import { TaskRunner } from './tasks/task-runner.js';
import { TasksService } from './tasks/tasks.service.js';
import { TaskClaims, WorkerHeartbeat } from './tasks/worker-liveness.js';
import { SweepScheduler } from './sweeps.js';
import { StylesCatalog } from './styles/service.js';
import { releaseStrayClaims, requeueUnclaimed } from './tasks/requeue.js';
import { isServiceUnavailable } from './health/service-health.js';
import { systemClock, type Clock } from './util/clock.js';
import { randomId } from './util/ids.js';
import { WebhooksService } from './webhooks/webhooks.service.js';

export type { DevKey } from './auth/dev-key.js';

export interface DarkroomOptions {
  clock?: Clock;
  log?: Logger;
  /** Replaces the queue chosen from configuration (tests, scale wiring). */
  queue?: TaskQueue;
  storage?: ObjectStorage;
  /** Periodic sweeps (abandonment, retention, expiry); tests drive them by hand with `sweep()`. */
  sweepers?: boolean;
  rateLimitRedis?: unknown;
  /** Label of this process in metrics; `darkroom worker` says 'worker'. */
  role?: 'api' | 'worker' | 'embedded';
}

export interface Darkroom {
  config: DarkroomConfig;
  services: ApiServices;
  server: FastifyInstance;
  pool?: WorkerPool;
  metrics: DarkroomMetrics;
  /** Runs every sweep once: abandoned tasks, expired files, expired credit lots, stale tokens. */
  sweep(): Promise<void>;
  listen(): Promise<string>;
  ensureDevKey(): Promise<DevKey | undefined>;
  close(): Promise<void>;
}

// Optional parts are imported only when configured, so the embedded default never loads their drivers.
const S3_MODULE = './storage/s3.js';
const REDIS_QUEUE_MODULE = './tasks/redis-queue.js';

/** Storage chosen by configuration. */
async function createStorage(config: DarkroomConfig, master: MasterKey, log: Logger): Promise<{ storage: ObjectStorage; local?: LocalDiskStorage }> {
  if (config.storage.driver === 's3') {
    const mod = (await import(S3_MODULE)) as { S3Storage: new (cfg: NonNullable<DarkroomConfig['storage']['s3']>, log: Logger) => ObjectStorage };
    if (!config.storage.s3) throw new Error('storage.driver is s3 but no bucket is configured (DARKROOM_S3_BUCKET)');
    return { storage: new mod.S3Storage(config.storage.s3, log) };
  }
  const local = new LocalDiskStorage(path.join(config.dataDir, 'files'), () => publicBaseUrl(config), new UrlSigner(master.derive('url-signing')));
  return { storage: local, local };
}

/** Shared rate-limit counters: one ioredis client when Redis is configured. */
async function createRateLimitRedis(config: DarkroomConfig): Promise<{ quit(): Promise<unknown> } | undefined> {
  if (!config.redisUrl) return undefined;
  const { Redis } = await import('ioredis');
  // No offline queue: while Redis is away a counter call fails at once and the request passes uncounted.
  const client = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
  client.on('error', () => undefined);
  return client;
}

async function createQueue(config: DarkroomConfig, clock: Clock, log: Logger): Promise<TaskQueue> {
  if (config.redisUrl) {
    const mod = (await import(REDIS_QUEUE_MODULE)) as typeof import('./tasks/redis-queue.js');
    return new mod.RedisQueue(config.redisUrl, mod.redisQueueOptions(config.tasks), log);
  }
  return new InProcessQueue(config.tasks.concurrency, config.tasks.perKeyConcurrency, config.tasks.fairWindowMs, clock);
}

/** Wires every service from configuration: the embedded default or the scale-out parts. */
export async function createDarkroom(config: DarkroomConfig, opts: DarkroomOptions = {}): Promise<Darkroom> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? pino({ level: config.logLevel });
  const master = MasterKey.load(config.dataDir, config.masterKey);
  const db: Db = await openDatabase(config.databaseUrl, log);
  const { storage, local } = opts.storage ? { storage: opts.storage, local: opts.storage instanceof LocalDiskStorage ? opts.storage : undefined } : await createStorage(config, master, log);
  // Only the process that receives uploads may clear their leftovers (a worker could race a live upload).
  if (local && opts.role !== 'worker') {
    const removed = await local.removePartials();
    if (removed) log.info({ removed }, 'removed partial uploads left by a previous process');
  }
  const keys = new KeysService(db, master, clock, config.auth.keyBits);
  const tokens = new TokensService(db, keys, clock, config.auth);
  const credits = new CreditsService(db, clock);
  const files = new FilesService(db, storage, clock, config.retention);
  const tasks = new TasksService(db, credits, files, clock, {
    pollingIntervalMs: config.tasks.pollingIntervalMs,
    abandonAfterMs: config.tasks.abandonAfterMs,
    price: (spec) => priceOf(config, spec.id, spec.price),
    action: (id) => feature(id as FeatureId).action,
  });
  const queue = opts.queue ?? (await createQueue(config, clock, log));
  tasks.attachQueue(queue);
  const styles = new StylesCatalog();
  // A Redis restart empties the queue and tasks created while it was away were never enqueued: the
  // database holds them all, so the queue is rebuilt from it as soon as Redis answers again.
  queue.health?.onRecovered(() =>
    requeueUnclaimed({ db, queue, clock }, 0).then(
      (ids) => {
        if (ids.length) log.warn({ requeued: ids.length }, 'tasks enqueued again after the queue came back');
      },
      (err: unknown) => log.warn({ err }, 'could not re-enqueue tasks after the queue came back; the periodic sweep will'),
    ),
  );
  const admin = AdminService.create(db, clock, config.dataDir, config.admin.password);
  const webhooks = new WebhooksService(db, keys, tasks, clock, log.child({ component: 'webhooks' }), config.webhooks);
  tasks.onTaskEnd(webhooks.onTaskEnd);

  const role = opts.role ?? (config.runEngines ? 'embedded' : 'api');
  const metrics = new DarkroomMetrics({ role, queueDepth: () => queue.depth() });
  tasks.onTaskEnd(metrics.onTaskEnd);
  const liveness = config.tasks.liveness;
  const claims = new TaskClaims(db, tasks, clock, liveness);
  const workerId = `${hostname()}:${process.pid}:${randomId(4)}`;
  let heartbeat: WorkerHeartbeat | undefined;
  let runner: TaskRunner | undefined;

  let pool: WorkerPool | undefined;
  let governor: MemoryGovernor | undefined;
  let engines: EngineRegistry | undefined;
  let autoPull: AutoPull | undefined;
  if (config.runEngines) {
    governor = new MemoryGovernor({ budgetMb: resolveMemoryBudgetMb(config.engines.memoryTargetMb), keepWarmMs: config.engines.idleReleaseMs });
    pool = createWorkerPool(config.engines.workers, { governor });
    metrics.countThreadStarts(governor);
    // Engines see only their own slice of the configuration.
    engines = createEngineRegistry({ config: { engines: config.engines, diffusion: config.diffusion }, log: log.child({ component: 'engines' }), pool });
    runner = new TaskRunner(tasks, claims, files, engines, styles, log.child({ component: 'runner' }), {
      timeoutMs: config.tasks.timeoutMs,
      workerId,
      asOneTask: pool.asOneTask,
      serviceRetryMs: config.tasks.serviceRetryMs,
      maxAttempts: liveness.maxAttempts,
    });
    heartbeat = new WorkerHeartbeat(db, workerId, liveness.heartbeatMs);
    // An absent database is logged once by its health, not at every beat.
    await heartbeat.start((err) => isServiceUnavailable(err) || log.warn({ err }, 'worker heartbeat failed'));
    await queue.consume(runner.handle);
    if (queue instanceof InProcessQueue) {
      // Only this process runs tasks in embedded mode, so every other claim is a dead process's.
      await claims.releaseClaimsOfOthers(workerId);
      // The in-process queue died with the previous process: pick its unfinished tasks up again.
      for (const t of await claims.resumeAfterRestart()) await queue.enqueue(t.id, t.feature, t.client_id);
    }
    if (config.engines.preload) for (const e of engines.values()) void e.warmUp?.().catch((err) => log.warn({ err, feature: e.feature }, 'warm-up failed'));

    autoPull = startAutoPull({ enabled: config.models.autoPull, modelsDir: config.engines.modelsDir, baseUrl: config.models.baseUrl, retryMs: config.models.retryMs, log: log.child({ component: 'models' }) });
  }

  if (isLocalhostUrl(config.publicUrl) && ['0.0.0.0', '::'].includes(config.host)) {
    log.warn({ publicUrl: config.publicUrl, host: config.host }, 'publicUrl names this machine as localhost while the server listens on every interface: clients on other machines get upload and result URLs they cannot reach (set DARKROOM_PUBLIC_URL, or leave it unset to follow each request\'s Host)');
  }
  if (!config.runEngines && queue instanceof InProcessQueue) log.warn('engines are off and the queue is in-process: tasks will wait until they are dropped');

  let ownRateLimitRedis: { quit(): Promise<unknown> } | undefined;
  const services: ApiServices = {
    config,
    log,
    clock,
    db,
    keys,
    tokens,
    credits,
    files,
    tasks,
    queue,
    engines,
    localStorage: local,
    admin,
    styles,
    rateLimitRedis: opts.rateLimitRedis ?? (ownRateLimitRedis = await createRateLimitRedis(config)),
  };
  const server = await buildServer(services);
  metrics.installHttp(server);
  const scaleQueue = !(queue instanceof InProcessQueue);
  const recover = async () => {
    if (runner && scaleQueue) await releaseStrayClaims(db, workerId, runner.active);
    // Right after a database outage every heartbeat looks stale: workers get one staleness period
    // to beat again before any is taken for dead.
    if (Date.now() - db.health.recoveredAt < liveness.staleMs) {
      if (scaleQueue) await requeueUnclaimed({ db, queue, clock }, liveness.requeueUnclaimedAfterMs);
      return;
    }
    await claims.recoverOrphaned(queue, { selfId: heartbeat ? workerId : undefined, requeueUnclaimed: scaleQueue });
  };
  const sweepAll = async () => {
    await tasks.sweepAbandoned();
    await recover();
    await webhooks.sweep();
    await files.sweepExpired();
    await credits.sweepExpired();
    await tokens.sweep();
  };
  const sweepTasks = async () => {
    await tasks.sweepAbandoned();
    await webhooks.sweep();
  };
  const sweeps = new SweepScheduler(
    [
      { name: 'task sweep', everyMs: 1000, run: sweepTasks },
      { name: 'worker recovery sweep', everyMs: liveness.heartbeatMs, run: recover },
      { name: 'retention sweep', everyMs: config.retention.sweepIntervalMs, run: sweepAll },
    ],
    sweepAll,
    log,
  );
  if (opts.sweepers !== false) sweeps.start();

  return {
    config,
    services,
    server,
    pool,
    metrics,
    sweep: () => sweeps.runAll(),
    async listen() {
      return server.listen({ host: config.host, port: config.port });
    },
    async ensureDevKey() {
      if (!config.devKey.enabled) return undefined;
      return ensureDevKey({ keys, credits, clock }, { dataDir: config.dataDir, credits: config.devKey.credits });
    },
    async close() {
      sweeps.stop();
      await server.close();
      await queue.close();
      await heartbeat?.stop().catch((err: unknown) => log.warn({ err }, 'could not remove the worker heartbeat'));
      await ownRateLimitRedis?.quit().catch(() => undefined);
      await autoPull?.stop();
      await pool?.destroy();
      governor?.close();
      for (const e of engines?.values() ?? []) await e.close?.();
      await db.close();
    },
  };
}
