import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { ServiceHealth, ServiceUnavailableError } from '../health/service-health.js';
import type { TaskHandler, TaskQueue } from './queue.js';

export interface RedisQueueOptions {
  /** Tasks this process runs at once. */
  concurrency: number;
  /**
   * A running job's lock, renewed every half of it while the worker lives. When a worker dies the
   * lock lapses and the next stalled-job check (same period) hands the job back to the queue.
   */
  lockDurationMs: number;
  /** How often a job may be found stalled before BullMQ fails it (the database sweep still recovers the task). */
  maxStalledCount: number;
  /** Key prefix, so several deployments can share one Redis. */
  prefix: string;
  /** Tasks of one key that share the top rank when several keys wait (see RedisQueue); default 1. */
  perKeyConcurrency?: number;
}

const QUEUE_NAME = 'tasks';

/** The queue options from the configuration's `tasks` group. */
export function redisQueueOptions(tasks: { concurrency: number; perKeyConcurrency: number; queue: { lockMs: number; maxStalledCount: number; prefix: string } }): RedisQueueOptions {
  return { concurrency: tasks.concurrency, perKeyConcurrency: tasks.perKeyConcurrency, lockDurationMs: tasks.queue.lockMs, maxStalledCount: tasks.queue.maxStalledCount, prefix: tasks.queue.prefix };
}

/** BullMQ job ids may not be integers nor contain ':'; task ids are base64url. */
const jobIdOf = (taskId: string) => `t-${taskId}`;
/** A queue command is given up after this (it may still land later: enqueueing is idempotent). */
const COMMAND_WAIT_MS = 5_000;
/** BullMQ's largest priority (2^21). */
const MAX_PRIORITY = 2_097_152;

interface JobData {
  taskId: string;
  key?: string;
}

/**
 * Tasks through Redis (BullMQ). API instances enqueue; `darkroom worker` processes consume.
 * The job id is the task id, so enqueueing a task that is already queued is a no-op (the recovery
 * sweep relies on it). Cancellation is broadcast on a pub/sub channel every consumer listens to,
 * since only the process running a task holds its AbortController.
 *
 * Fairness between keys: each job's BullMQ priority is its rank within its key, the key's tasks in
 * flight (queued or running) when it was enqueued, divided by `perKeyConcurrency`, plus one. Workers
 * take the lowest rank first, so a key's first task goes before another key's tenth, keys with
 * queued work take turns, and a key alone still uses every slot. The counts live in Redis (one hash
 * per deployment), so every API instance ranks the same way.
 */
export class RedisQueue implements TaskQueue {
  readonly name = 'redis';
  private readonly opts: RedisQueueOptions;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private readonly cancelChannel: string;
  /** Hash key → tasks in flight, and the set of task ids counted there (so a re-enqueue counts once). */
  private readonly inFlightKey: string;
  private readonly countedKey: string;
  private worker?: Worker;
  private subscriber?: Redis;
  private workerConnection?: Redis;
  private readonly running = new Map<string, AbortController>();
  private closed = false;
  /** Redis as this process sees it; commands are refused at once while it is away (see `live`). */
  readonly health: ServiceHealth;

  constructor(
    private readonly url: string,
    opts: RedisQueueOptions,
    log: Logger = pino({ level: 'silent' }),
  ) {
    this.opts = opts;
    // BullMQ requires unlimited retries on its connections; commands wait while Redis is away, so
    // this class bounds the wait itself. ioredis reconnects with backoff (at most 2 s apart).
    this.connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false, retryStrategy: (n) => Math.min(100 * 2 ** n, 2_000) });
    this.health = new ServiceHealth('queue', log, { probe: () => this.ping() });
    this.connection.on('error', (e) => this.health.markDown(e));
    this.connection.on('close', () => this.health.markDown(new Error('connection to redis closed')));
    this.connection.on('ready', () => void this.health.markUp());
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.opts.prefix });
    this.queue.on('error', () => undefined);
    this.cancelChannel = `${this.opts.prefix}:${QUEUE_NAME}:cancel`;
    this.inFlightKey = `${this.opts.prefix}:${QUEUE_NAME}:fair:in-flight`;
    this.countedKey = `${this.opts.prefix}:${QUEUE_NAME}:fair:counted`;
  }

  /**
   * Runs a queue command unless Redis is known to be away, and gives up waiting for it after
   * COMMAND_WAIT_MS: a caller (task creation, a sweep) never hangs on a reconnecting client.
   */
  private async live<T>(command: () => Promise<T>): Promise<T> {
    // Down is learnt from the connection's events ('error', 'close'); a client still making its
    // first connection is waited for, within the same bound.
    this.health.assertUp();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const slow = new ServiceUnavailableError('queue', `redis did not answer within ${COMMAND_WAIT_MS} ms`);
            // A connected but slow Redis (a loaded machine, scripts reloading after a restart) is not lost.
            if (this.connection.status !== 'ready') this.health.markDown(slow);
            reject(slow);
          }, COMMAND_WAIT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async ping(): Promise<void> {
    const pong = await Promise.race([this.connection.ping(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis did not answer within 2 s')), 2000).unref())]);
    if (pong !== 'PONG') throw new Error(`redis answered ${pong}`);
  }

  async enqueue(taskId: string, feature: string, key = ''): Promise<void> {
    await this.live(() => this.add(taskId, feature, key));
  }

  private async add(taskId: string, feature: string, key: string): Promise<void> {
    const firstTime = (await this.connection.sadd(this.countedKey, taskId)) === 1;
    const inFlight = firstTime ? await this.connection.hincrby(this.inFlightKey, key, 1) : Number((await this.connection.hget(this.inFlightKey, key)) ?? 1);
    const priority = Math.min(MAX_PRIORITY, Math.floor((Math.max(1, inFlight) - 1) / Math.max(1, this.opts.perKeyConcurrency ?? 1)) + 1);
    const data: JobData = { taskId, key };
    await this.queue.add(feature, data, { jobId: jobIdOf(taskId), priority, removeOnComplete: true, removeOnFail: true, attempts: 1 });
  }

  /** The task left the queue for good (ran, or was removed while waiting): its key has one less in flight. */
  private async uncount(taskId: string, key: string): Promise<void> {
    if ((await this.connection.srem(this.countedKey, taskId)) !== 1) return;
    const left = await this.connection.hincrby(this.inFlightKey, key, -1);
    if (left <= 0) await this.connection.hdel(this.inFlightKey, key);
  }

  /**
   * Best effort: the database already says the task ended, so a job left behind finds nothing to
   * claim and a run that is not stopped is not charged. Never waits on an absent Redis.
   */
  async cancel(taskId: string): Promise<void> {
    await this.live(async () => {
      // A waiting job is simply removed; an active one is locked and must be stopped by its worker.
      const job = await this.queue.getJob(jobIdOf(taskId)).catch(() => undefined);
      const removed = await this.queue.remove(jobIdOf(taskId)).catch(() => 0);
      if (removed && job) await this.uncount(taskId, (job.data as JobData).key ?? '');
      await this.connection.publish(this.cancelChannel, taskId);
    }).catch(() => undefined);
  }

  async consume(handler: TaskHandler): Promise<void> {
    if (this.worker) throw new Error('this queue is already consumed');
    this.subscriber = new Redis(this.url, { maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, taskId: string) => this.running.get(taskId)?.abort(new Error('task cancelled')));
    await this.subscriber.subscribe(this.cancelChannel);
    this.workerConnection = this.connection.duplicate({ maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => undefined);
    this.worker = new Worker(QUEUE_NAME, (job: Job<JobData>) => this.run(job.data, handler), {
      connection: this.workerConnection,
      prefix: this.opts.prefix,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: this.opts.lockDurationMs,
      maxStalledCount: this.opts.maxStalledCount,
    });
    this.worker.on('error', () => undefined);
    await this.worker.waitUntilReady();
  }

  private async run({ taskId, key }: JobData, handler: TaskHandler): Promise<void> {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    try {
      await handler(taskId, controller.signal);
    } finally {
      this.running.delete(taskId);
      await this.live(() => this.uncount(taskId, key ?? '')).catch(() => undefined);
    }
  }

  /** Tasks running in this process (for graceful shutdown and metrics). */
  get runningHere(): number {
    return this.running.size;
  }

  async depth(): Promise<number> {
    const counts = await this.live(() => this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused'));
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async check(): Promise<void> {
    await this.ping();
  }

  /** Waits for this process's running tasks to end (graceful shutdown), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.close();
    if (this.worker) await this.worker.close();
    await this.queue.close();
    this.subscriber?.disconnect();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
