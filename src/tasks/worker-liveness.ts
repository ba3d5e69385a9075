import { hostname } from 'node:os';
import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import type { TasksTable } from '../db/schema.js';
import type { TaskQueue } from './queue.js';
import { TasksRepository, type TaskRef } from './tasks.repository.js';
import type { TasksService } from './tasks.service.js';
import { WorkersRepository } from './workers.repository.js';

/**
 * Who runs which task: each process's heartbeat, the claim a run takes on its task, and what
 * happens to the claims of processes that died or stopped (released, resumed, or failed).
 *
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
  private readonly workers: WorkersRepository;

  constructor(
    db: Db,
    readonly workerId: string,
    private readonly intervalMs: number,
  ) {
    this.workers = new WorkersRepository(db);
  }

  async beat(): Promise<void> {
    await this.workers.beat({ id: this.workerId, hostname: hostname(), pid: process.pid, started_at: this.startedAt, heartbeat_at: wallClock() });
  }

  async start(onError: (e: unknown) => void): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(onError), this.intervalMs);
    this.timer.unref();
  }

  /** Graceful stop: the row goes, so nothing waits for this worker's heartbeat to go stale. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.workers.remove(this.workerId);
  }
}

export interface RecoveryReport {
  requeued: string[];
  failed: string[];
}

/** The claims of task runs: taken and given back by runners, recovered from dead processes. */
export class TaskClaims {
  private readonly repo: TasksRepository;
  private readonly workers: WorkersRepository;

  constructor(
    db: Db,
    private readonly tasks: TasksService,
    private readonly clock: Clock,
    private readonly opts: LivenessOptions,
  ) {
    this.repo = new TasksRepository(db);
    this.workers = new WorkersRepository(db);
  }

  /**
   * Records which process runs the task, so a crashed worker's tasks can be found. Only an unclaimed
   * task can be claimed: a job delivered twice (queue redelivery, recovery) never runs twice at once;
   * the recovery sweep unclaims the tasks of dead workers.
   */
  async claim(taskId: string, workerId: string): Promise<TasksTable | undefined> {
    return (await this.repo.claim(taskId, workerId, this.clock.now())) ? this.repo.get(taskId) : undefined;
  }

  /** Gives a run back unfinished (process shutting down): unclaimed, and the attempt not counted. */
  async release(taskId: string, workerId: string): Promise<void> {
    await this.repo.giveBack(taskId, workerId);
  }

  /**
   * After an embedded server restarts: the tasks its dead in-process queue held. A task whose every
   * run killed the process is failed (uncharged) so one bad input cannot crash-loop the server; the
   * others get a fresh 10-s polling allowance, since the server's downtime is not the client's.
   */
  async resumeAfterRestart(): Promise<TaskRef[]> {
    const resume: TaskRef[] = [];
    for (const t of await this.repo.running()) {
      if (t.attempts >= this.opts.maxAttempts) {
        await this.tasks.fail(t.id, 'unknown_internal_error', `the server stopped ${t.attempts} times while running this task; nothing was charged`);
        continue;
      }
      await this.repo.updateRunning(t.id, { last_polled_at: this.clock.now() });
      resume.push({ id: t.id, feature: t.feature, client_id: t.client_id });
    }
    return resume;
  }

  /**
   * Embedded mode (in-process queue): no other process can be running tasks, so every claim not held
   * by this process belongs to a previous run that died; release them so the restart re-runs them.
   */
  async releaseClaimsOfOthers(selfId: string): Promise<number> {
    return this.repo.unclaimAllBut(selfId);
  }

  /**
   * Finds running tasks whose worker died (heartbeat stale or gone) and either releases them to run
   * again or, after `maxAttempts` crashed runs, fails them without charge. Every step is a
   * conditional update, so any number of processes may run this sweep at once: each task is
   * released by exactly one of them. A released task cannot be charged twice: charging happens only
   * in the transaction that moves it from running to success.
   */
  async recoverOrphaned(queue: TaskQueue, scope: { selfId?: string; requeueUnclaimed: boolean }): Promise<RecoveryReport> {
    const now = wallClock();
    const report: RecoveryReport = { requeued: [], failed: [] };
    // The process running the sweep is alive by definition, whatever its last beat says.
    for (const t of await this.repo.claimedByDead(now - this.opts.staleMs, scope.selfId)) {
      if (t.attempts >= this.opts.maxAttempts) {
        if (await this.tasks.fail(t.id, 'unknown_internal_error', `the worker running this task stopped ${t.attempts} times; nothing was charged`)) report.failed.push(t.id);
        continue;
      }
      if (!(await this.repo.unclaim(t.id, t.claimed_by))) continue;
      await queue.enqueue(t.id, t.feature, t.client_id);
      report.requeued.push(t.id);
    }

    // Rows of workers dead for long are only clutter.
    await this.workers.removeSilentSince(now - 24 * 3600_000);
    if (!scope.requeueUnclaimed) return report;
    // A task inserted but never claimed (its enqueue was lost, e.g. the API process died in between, or
    // BullMQ gave up a stalled job) is enqueued again; a job that is still queued makes this a no-op.
    for (const t of await this.repo.unclaimedSince(this.clock.now() - this.opts.requeueUnclaimedAfterMs)) await queue.enqueue(t.id, t.feature, t.client_id);
    return report;
  }
}
