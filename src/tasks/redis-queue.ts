import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
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

  constructor(
    private readonly url: string,
    opts: RedisQueueOptions,
  ) {
    this.opts = opts;
    // BullMQ requires unlimited retries on its connections; commands wait while Redis is away.
    this.connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined);
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.opts.prefix });
    this.queue.on('error', () => undefined);
    this.cancelChannel = `${this.opts.prefix}:${QUEUE_NAME}:cancel`;
    this.inFlightKey = `${this.opts.prefix}:${QUEUE_NAME}:fair:in-flight`;
    this.countedKey = `${this.opts.prefix}:${QUEUE_NAME}:fair:counted`;
  }

  async enqueue(taskId: string, feature: string, key = ''): Promise<void> {
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

  async cancel(taskId: string): Promise<void> {
    // A waiting job is simply removed; an active one is locked and must be stopped by its worker.
    const job = await this.queue.getJob(jobIdOf(taskId)).catch(() => undefined);
    const removed = await this.queue.remove(jobIdOf(taskId)).catch(() => 0);
    if (removed && job) await this.uncount(taskId, (job.data as JobData).key ?? '');
    await this.connection.publish(this.cancelChannel, taskId);
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
      await this.uncount(taskId, key ?? '').catch(() => undefined);
    }
  }

  /** Tasks running in this process (for graceful shutdown and metrics). */
  get runningHere(): number {
    return this.running.size;
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async check(): Promise<void> {
    const pong = await Promise.race([
      this.connection.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis did not answer within 2 s')), 2000).unref()),
    ]);
    if (pong !== 'PONG') throw new Error(`redis answered ${pong}`);
  }

  /** Waits for this process's running tasks to end (graceful shutdown), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.worker) await this.worker.close();
    await this.queue.close();
    this.subscriber?.disconnect();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
