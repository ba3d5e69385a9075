import { sql, type Insertable, type Transaction } from 'kysely';
import { lockClient, type Db, type Executor } from '../db/connect.js';
import type { CreditHistoryTable, CreditLotsTable, Database } from '../db/schema.js';

/** Every statement on credit lots, their history, and the credits running tasks hold. */
export class CreditsRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in a transaction that holds the client's lock: credit changes of one client never interleave. */
  async inClientLock<T>(clientId: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(async (trx) => {
      await lockClient(trx, this.db, clientId);
      return fn(trx);
    });
  }

  /** A new lot and its history entry, together. */
  async insertLot(lot: Insertable<CreditLotsTable>, history: (lotId: number) => Insertable<CreditHistoryTable>): Promise<number> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const row = await trx.insertInto('credit_lots').values(lot).returning(['id']).executeTakeFirstOrThrow();
      const id = Number(row.id);
      await trx.insertInto('credit_history').values(history(id)).execute();
      return id;
    });
  }

  /** The charging order of the source document: nearest expiry first, then earliest obtained. */
  async usableLots(clientId: string, now: number, executor: Executor = this.db.kysely): Promise<{ id: number; amount: number; type: CreditLotsTable['type']; expiry: number }[]> {
    const rows = await executor
      .selectFrom('credit_lots')
      .select(['id', 'amount', 'type', 'expiry'])
      .where('client_id', '=', clientId)
      .where('expiry', '>', now)
      .where('amount', '>', 0)
      .orderBy('expiry', 'asc')
      .orderBy('obtained_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async balance(clientId: string, now: number, executor: Executor = this.db.kysely): Promise<number> {
    const r = await executor
      .selectFrom('credit_lots')
      .select(sql<number>`coalesce(sum(amount), 0)`.as('total'))
      .where('client_id', '=', clientId)
      .where('expiry', '>', now)
      .executeTakeFirst();
    return Number(r?.total ?? 0);
  }

  /** Credits held by the client's running tasks. */
  async held(clientId: string, executor: Executor = this.db.kysely): Promise<number> {
    const r = await executor
      .selectFrom('tasks')
      .select(sql<number>`coalesce(sum(hold), 0)`.as('held'))
      .where('client_id', '=', clientId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r?.held ?? 0);
  }

  /** Takes `amount` from a lot if it still has that much; false otherwise. */
  async takeFromLot(trx: Transaction<Database>, lotId: number, amount: number): Promise<boolean> {
    const res = await trx
      .updateTable('credit_lots')
      .set({ amount: sql`amount - ${amount}` })
      .where('id', '=', lotId)
      .where('amount', '>=', amount)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async insertHistory(entry: Insertable<CreditHistoryTable>, executor: Executor = this.db.kysely): Promise<void> {
    await executor.insertInto('credit_history').values(entry).execute();
  }

  /** Newest first, up to `limit`, with ids below `beforeId` when given. */
  async history(clientId: string, limit: number, beforeId?: number) {
    let q = this.db.kysely
      .selectFrom('credit_history')
      .select(['id', 'timestamp', 'action', 'target_id', 'info'])
      .where('client_id', '=', clientId)
      .orderBy('id', 'desc')
      .limit(limit);
    if (beforeId !== undefined) q = q.where('id', '<', beforeId);
    return q.execute();
  }

  /** Lots past their expiry whose expiry has not been recorded yet. */
  async expiredUnrecorded(now: number): Promise<{ id: number; client_id: string }[]> {
    return this.db.kysely.selectFrom('credit_lots').select(['id', 'client_id']).where('expiry', '<=', now).where('expired_at', 'is', null).execute();
  }

  async lot(trx: Transaction<Database>, lotId: number) {
    return trx.selectFrom('credit_lots').select(['amount', 'expired_at']).where('id', '=', lotId).executeTakeFirst();
  }

  /** Empties the lot and records when it expired. */
  async markExpired(trx: Transaction<Database>, lotId: number, now: number): Promise<void> {
    await trx.updateTable('credit_lots').set({ expired_at: now, amount: 0 }).where('id', '=', lotId).execute();
  }
}
