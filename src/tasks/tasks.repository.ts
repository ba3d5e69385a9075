import type { Updateable } from 'kysely';
import type { Db, Executor } from '../db/connect.js';
import type { TasksTable } from '../db/schema.js';

/** The idempotency key of a task: with it, a repeated request finds the task it already created. */
export interface TaskKey {
  clientId: string;
  feature: string;
  requestId: string;
  inputKey: string;
}

export type TaskRef = Pick<TasksTable, 'id' | 'feature' | 'client_id'>;

/**
 * Every statement on the `tasks` table. State changes of a task are conditional on it still running,
 * so concurrent writers (poll, sweep, runner, recovery on another process) each win at most once:
 * the methods that end or release a task say whether this call did it.
 */
export class TasksRepository {
  constructor(private readonly db: Db) {}

  async findByKey(key: TaskKey, executor: Executor = this.db.kysely): Promise<Pick<TasksTable, 'id' | 'params_hash'> | undefined> {
    return executor
      .selectFrom('tasks')
      .select(['id', 'params_hash'])
      .where('client_id', '=', key.clientId)
      .where('feature', '=', key.feature)
      .where('request_id', '=', key.requestId)
      .where('input_key', '=', key.inputKey)
      .executeTakeFirst();
  }

  async insert(row: TasksTable, executor: Executor = this.db.kysely): Promise<void> {
    await executor.insertInto('tasks').values(row).execute();
  }

  async get(taskId: string): Promise<TasksTable | undefined> {
    return this.db.kysely.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  }

  /** Changes a running task; false when it had already ended (or, with `claimedBy`, is not that worker's). */
  async updateRunning(taskId: string, changes: Updateable<TasksTable>, executor: Executor = this.db.kysely, claimedBy?: string): Promise<boolean> {
    let q = executor.updateTable('tasks').set(changes).where('id', '=', taskId).where('status', '=', 'running');
    if (claimedBy !== undefined) q = q.where('claimed_by', '=', claimedBy);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Running tasks without a callback that nobody polled since `polledBefore`. */
  async unpolledSince(polledBefore: number): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom('tasks')
      .select(['id'])
      .where('status', '=', 'running')
      .where('callback_url', 'is', null)
      .where('last_polled_at', '<', polledBefore)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Only an unclaimed running task can be claimed; each claim counts an attempt. */
  async claim(taskId: string, workerId: string, now: number): Promise<boolean> {
    const res = await this.db.kysely
      .updateTable('tasks')
      .set((eb) => ({ claimed_by: workerId, claimed_at: now, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', taskId)
      .where('status', '=', 'running')
      .where('claimed_by', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Unclaims a run given back unfinished, and uncounts its attempt. */
  async giveBack(taskId: string, workerId: string): Promise<void> {
    await this.db.kysely
      .updateTable('tasks')
      .set((eb) => ({ claimed_by: null, claimed_at: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', taskId)
      .where('status', '=', 'running')
      .where('claimed_by', '=', workerId)
      .execute();
  }

  /** Unclaims (attempt still counted) the task if `claimedBy` still holds it. */
  async unclaim(taskId: string, claimedBy: string): Promise<boolean> {
    return this.updateRunning(taskId, { claimed_by: null, claimed_at: null }, this.db.kysely, claimedBy);
  }

  /** Ids of the running tasks `workerId` holds. */
  async claimedBy(workerId: string): Promise<string[]> {
    const rows = await this.db.kysely.selectFrom('tasks').select(['id']).where('status', '=', 'running').where('claimed_by', '=', workerId).execute();
    return rows.map((r) => r.id);
  }

  /** Unclaims every running task held by a process other than `selfId`; how many. */
  async unclaimAllBut(selfId: string): Promise<number> {
    const res = await this.db.kysely
      .updateTable('tasks')
      .set({ claimed_by: null, claimed_at: null })
      .where('status', '=', 'running')
      .where('claimed_by', 'is not', null)
      .where('claimed_by', '!=', selfId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Every running task, oldest first. */
  async running(): Promise<(TaskRef & Pick<TasksTable, 'attempts'>)[]> {
    return this.db.kysely.selectFrom('tasks').select(['id', 'feature', 'client_id', 'attempts']).where('status', '=', 'running').orderBy('created_at', 'asc').execute();
  }

  /** Running tasks claimed by a process with no heartbeat since `liveSince` (other than `exceptWorker`). */
  async claimedByDead(liveSince: number, exceptWorker?: string): Promise<(TaskRef & { claimed_by: string; attempts: number })[]> {
    let q = this.db.kysely
      .selectFrom('tasks')
      .select(['id', 'feature', 'client_id', 'claimed_by', 'attempts'])
      .where('status', '=', 'running')
      .where('claimed_by', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('workers').select('workers.id').whereRef('workers.id', '=', 'tasks.claimed_by').where('workers.heartbeat_at', '>', liveSince))),
      );
    if (exceptWorker) q = q.where('claimed_by', '!=', exceptWorker);
    const rows = await q.execute();
    return rows.map((r) => ({ ...r, claimed_by: r.claimed_by! }));
  }

  /** Running tasks nobody claimed, created before `createdBefore`. */
  async unclaimedSince(createdBefore: number): Promise<TaskRef[]> {
    return this.db.kysely
      .selectFrom('tasks')
      .select(['id', 'feature', 'client_id'])
      .where('status', '=', 'running')
      .where('claimed_by', 'is', null)
      .where('created_at', '<', createdBefore)
      .execute();
  }

  async recent(opts: { clientId?: string; limit: number }): Promise<TasksTable[]> {
    let q = this.db.kysely.selectFrom('tasks').selectAll().orderBy('created_at', 'desc').limit(opts.limit);
    if (opts.clientId) q = q.where('client_id', '=', opts.clientId);
    return q.execute();
  }
}
