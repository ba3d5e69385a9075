import { hostname } from 'node:os';
import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import type { TaskQueue } from './queue.js';
import type { TasksService } from './tasks.service.js';
import { requeueUnclaimed } from './requeue.js';

/**
 * Liveness is wall-clock time, not the injected business clock: tests that move the business
 * clock forward must not make a live worker look dead.
 */
const wallClock = () => Date.now();

export interface LivenessOptions {
  /** How often a worker writes its heartbeat. */
  heartbeatMs: number;
  /** A worker whose last heartbeat is older than this is dead; its running tasks are recovered. */
  staleMs: number;
  /** A task claimed this many times (each claim a crashed run) fails instead of running again. */
  maxAttempts: number;
  /** A running task nobody claimed for this long is enqueued again (enqueueing is idempotent). */
  requeueUnclaimedAfterMs: number;
}


/** Writes this process's heartbeat row while it runs engines. */
export class WorkerHeartbeat {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = wallClock();

  constructor(
    private readonly db: Db,
    readonly workerId: string,
    private readonly intervalMs: number,
  ) {}

  async beat(): Promise<void> {
    const now = wallClock();
    await this.db.kysely
      .insertInto('workers')
      .values({ id: this.workerId, hostname: hostname(), pid: process.pid, started_at: this.startedAt, heartbeat_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
      .execute();
  }

  async start(onError: (e: unknown) => void): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(onError), this.intervalMs);
    this.timer.unref();
  }

  /** Graceful stop: the row goes, so nothing waits for this worker's heartbeat to go stale. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.db.kysely.deleteFrom('workers').where('id', '=', this.workerId).execute();
  }
}

export interface RecoveryReport {
  requeued: string[];
  failed: string[];
}

/**
 * Finds running tasks whose worker died (heartbeat stale or gone) and either releases them to run
 * again or, after `maxAttempts` crashed runs, fails them without charge. Every step is a
 * conditional update, so any number of processes may run this sweep at once: each task is
 * released by exactly one of them. A released task cannot be charged twice: charging happens only
 * in the transaction that moves it from running to success.
 */
export async function recoverOrphanedTasks(
  deps: { db: Db; tasks: TasksService; queue: TaskQueue; clock: Clock },
  opts: LivenessOptions,
  scope: { selfId?: string; requeueUnclaimed: boolean },
): Promise<RecoveryReport> {
  const { db, tasks, queue, clock } = deps;
  const selfId = scope.selfId;
  const now = wallClock();
  const liveSince = now - opts.staleMs;
  const report: RecoveryReport = { requeued: [], failed: [] };
  let q = db.kysely
    .selectFrom('tasks')
    .select(['id', 'feature', 'client_id', 'claimed_by', 'attempts'])
    .where('status', '=', 'running')
    .where('claimed_by', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('workers').select('workers.id').whereRef('workers.id', '=', 'tasks.claimed_by').where('workers.heartbeat_at', '>', liveSince))),
    );
  // The process running the sweep is alive by definition, whatever its last beat says.
  if (selfId) q = q.where('claimed_by', '!=', selfId);
  for (const t of await q.execute()) {
    if (t.attempts >= opts.maxAttempts) {
      if (await tasks.fail(t.id, 'unknown_internal_error', `the worker running this task stopped ${t.attempts} times; nothing was charged`)) report.failed.push(t.id);
      continue;
    }
    const released = await db.kysely
      .updateTable('tasks')
      .set({ claimed_by: null, claimed_at: null })
      .where('id', '=', t.id)
      .where('status', '=', 'running')
      .where('claimed_by', '=', t.claimed_by)
      .executeTakeFirst();
    if (Number(released.numUpdatedRows) !== 1) continue;
    await queue.enqueue(t.id, t.feature, t.client_id);
    report.requeued.push(t.id);
  }

  // Rows of workers dead for long are only clutter.
  await db.kysely.deleteFrom('workers').where('heartbeat_at', '<', now - 24 * 3600_000).execute();
  if (!scope.requeueUnclaimed) return report;
  // A task inserted but never claimed (its enqueue was lost, e.g. the API process died in between, or
  // BullMQ gave up a stalled job) is enqueued again.
  await requeueUnclaimed({ db, queue, clock }, opts.requeueUnclaimedAfterMs);
  return report;
}

/**
 * Embedded mode (in-process queue): no other process can be running tasks, so every claim not held
 * by this process belongs to a previous run that died; release them so the restart re-runs them.
 */
export async function releaseClaimsOfOthers(db: Db, selfId: string): Promise<number> {
  const res = await db.kysely
    .updateTable('tasks')
    .set({ claimed_by: null, claimed_at: null })
    .where('status', '=', 'running')
    .where('claimed_by', 'is not', null)
    .where('claimed_by', '!=', selfId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
