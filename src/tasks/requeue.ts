import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import type { TaskQueue } from './queue.js';

/**
 * The outbox sweep: the tasks table is the source of truth and the queue is derived from it. Every
 * running task nobody has claimed and created before `olderThanMs` ago is enqueued (again);
 * enqueueing is idempotent (the job id is the task id), so a job still queued makes it a no-op.
 * Run periodically, and at once with `olderThanMs` 0 when the queue comes back (a Redis restart
 * empties it; a task created while it was away was never enqueued).
 */
export async function requeueUnclaimed(deps: { db: Db; queue: TaskQueue; clock: Clock }, olderThanMs: number): Promise<string[]> {
  const unclaimed = await deps.db.kysely
    .selectFrom('tasks')
    .select(['id', 'feature', 'client_id'])
    .where('status', '=', 'running')
    .where('claimed_by', 'is', null)
    .where('created_at', '<=', deps.clock.now() - olderThanMs)
    .orderBy('created_at', 'asc')
    .execute();
  for (const t of unclaimed) await deps.queue.enqueue(t.id, t.feature, t.client_id);
  return unclaimed.map((t) => t.id);
}

/**
 * This worker's claims on tasks it is not running (a run that gave up while the database was away
 * could not write its release): they are given back so the sweep enqueues them again.
 */
export async function releaseStrayClaims(db: Db, workerId: string, runningHere: ReadonlySet<string>): Promise<string[]> {
  const claimed = await db.kysely.selectFrom('tasks').select(['id']).where('status', '=', 'running').where('claimed_by', '=', workerId).execute();
  const stray = claimed.map((t) => t.id).filter((id) => !runningHere.has(id));
  if (stray.length === 0) return [];
  await db.kysely.updateTable('tasks').set({ claimed_by: null, claimed_at: null }).where('id', 'in', stray).where('status', '=', 'running').where('claimed_by', '=', workerId).execute();
  return stray;
}
