import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import type { TaskQueue } from './queue.js';
import { TasksRepository } from './tasks.repository.js';

/**
 * The outbox sweep: the tasks table is the source of truth and the queue is derived from it. Every
 * running task nobody has claimed and created at least `olderThanMs` ago is enqueued (again);
 * enqueueing is idempotent (the job id is the task id), so a job still queued makes it a no-op.
 * Run periodically, and at once with `olderThanMs` 0 when the queue comes back (a Redis restart
 * empties it; a task created while it was away was never enqueued).
 */
export async function requeueUnclaimed(deps: { db: Db; queue: TaskQueue; clock: Clock }, olderThanMs: number): Promise<string[]> {
  const unclaimed = await new TasksRepository(deps.db).unclaimedSince(deps.clock.now() - olderThanMs + 1);
  for (const t of unclaimed) await deps.queue.enqueue(t.id, t.feature, t.client_id);
  return unclaimed.map((t) => t.id);
}

/**
 * This worker's claims on tasks it is not running (a run that gave up while a service was away
 * could not run again under its claim): given back, attempt counted, for the sweep to enqueue.
 */
export async function releaseStrayClaims(db: Db, workerId: string, runningHere: ReadonlySet<string>): Promise<string[]> {
  const repo = new TasksRepository(db);
  const stray = (await repo.claimedBy(workerId)).filter((id) => !runningHere.has(id));
  for (const id of stray) await repo.unclaim(id, workerId);
  return stray;
}
