import { sql, type Transaction } from 'kysely';
import { lockClient, type Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../util/clock.js';

export type CreditType = 'SubsToken' | 'PaygToken';

export interface CreditLot {
  id: number;
  type: CreditType;
  amount: number;
  expiry: number;
}

export interface HistoryEntry {
  id: number;
  timestamp: number;
  action: string;
  target_id: string;
  info: { credits: { id: number; amount: number }[] };
}

export interface HistoryPage {
  history: HistoryEntry[];
  nextToken?: string;
}

/** Charging could not take place: the lots that covered the hold expired while the task ran. */
export class CreditsExhaustedError extends Error {
  constructor() {
    super('credits expired before the task finished');
  }
}

/**
 * Credit lots with expiry. Holds: a running task holds its price, so the balance available to new
 * tasks is the lots' sum minus running holds, and concurrent tasks can never overdraw.
 */
export class CreditsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async grant(clientId: string, amount: number, type: CreditType, expiry: number, action = type === 'SubsToken' ? 'subscription_credits' : 'permanent_credits', targetId = ''): Promise<CreditLot> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('amount must be a positive integer');
    const now = this.clock.now();
    return this.db.kysely.transaction().execute(async (trx) => {
      const lot = await trx
        .insertInto('credit_lots')
        .values({ client_id: clientId, type, amount, initial_amount: amount, obtained_at: now, expiry, expired_at: null })
        .returning(['id'])
        .executeTakeFirstOrThrow();
      const id = Number(lot.id);
      await trx
        .insertInto('credit_history')
        .values({ client_id: clientId, timestamp: now, action, target_id: targetId || `grant-${id}`, info: JSON.stringify({ credits: [{ id, amount }] }) })
        .execute();
      return { id, type, amount, expiry };
    });
  }

  /** The charging order of the source document: nearest expiry first, then earliest obtained. */
  private usableLots(executor: Transaction<Database> | Db['kysely'], clientId: string) {
    return executor
      .selectFrom('credit_lots')
      .select(['id', 'amount'])
      .where('client_id', '=', clientId)
      .where('expiry', '>', this.clock.now())
      .where('amount', '>', 0)
      .orderBy('expiry', 'asc')
      .orderBy('obtained_at', 'asc')
      .orderBy('id', 'asc');
  }

  /** Lots still usable (not expired, not empty), nearest expiry first. */
  async lots(clientId: string): Promise<CreditLot[]> {
    const rows = await this.usableLots(this.db.kysely, clientId).select(['type', 'expiry']).execute();
    return rows.map((r) => ({ id: Number(r.id), type: r.type, amount: r.amount, expiry: r.expiry }));
  }

  async balance(clientId: string, trx: Transaction<Database> | Db['kysely'] = this.db.kysely): Promise<number> {
    const r = await trx
      .selectFrom('credit_lots')
      .select(sql<number>`coalesce(sum(amount), 0)`.as('total'))
      .where('client_id', '=', clientId)
      .where('expiry', '>', this.clock.now())
      .executeTakeFirst();
    return Number(r?.total ?? 0);
  }

  /** Balance minus the credits held by running tasks. */
  async available(clientId: string, trx: Transaction<Database> | Db['kysely'] = this.db.kysely): Promise<number> {
    const held = await trx
      .selectFrom('tasks')
      .select(sql<number>`coalesce(sum(hold), 0)`.as('held'))
      .where('client_id', '=', clientId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return (await this.balance(clientId, trx)) - Number(held?.held ?? 0);
  }

  /**
   * Takes `price` credits inside the caller's transaction: nearest expiry first, then earliest
   * obtained, spanning lots when needed; writes one history entry. The caller holds the client lock.
   */
  async chargeInTransaction(trx: Transaction<Database>, clientId: string, price: number, action: string, targetId: string): Promise<HistoryEntry['info']> {
    const now = this.clock.now();
    const lots = await this.usableLots(trx, clientId).execute();
    let remaining = price;
    const taken: { id: number; amount: number }[] = [];
    for (const lot of lots) {
      if (remaining === 0) break;
      const take = Math.min(lot.amount, remaining);
      const res = await trx
        .updateTable('credit_lots')
        .set({ amount: sql`amount - ${take}` })
        .where('id', '=', lot.id)
        .where('amount', '>=', take)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new CreditsExhaustedError();
      taken.push({ id: Number(lot.id), amount: -take });
      remaining -= take;
    }
    if (remaining > 0) throw new CreditsExhaustedError();
    const info = { credits: taken };
    await trx.insertInto('credit_history').values({ client_id: clientId, timestamp: now, action, target_id: targetId, info: JSON.stringify(info) }).execute();
    return info;
  }

  async lockAndRun<T>(clientId: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(async (trx) => {
      await lockClient(trx, this.db, clientId);
      return fn(trx);
    });
  }

  /** Newest first. The token is the last id of the previous page. */
  async history(clientId: string, pageSize: number, startingToken?: string): Promise<HistoryPage> {
    let q = this.db.kysely
      .selectFrom('credit_history')
      .select(['id', 'timestamp', 'action', 'target_id', 'info'])
      .where('client_id', '=', clientId)
      .orderBy('id', 'desc')
      .limit(pageSize + 1);
    if (startingToken) q = q.where('id', '<', Number(startingToken));
    const rows = await q.execute();
    const page = rows.slice(0, pageSize).map((r) => ({ id: Number(r.id), timestamp: r.timestamp, action: r.action, target_id: r.target_id, info: JSON.parse(r.info) }));
    return { history: page, nextToken: rows.length > pageSize ? String(page[page.length - 1].id) : undefined };
  }

  /** Writes an `expire` history entry for each lot that expired with credits left, once. */
  async sweepExpired(): Promise<number> {
    const now = this.clock.now();
    const lots = await this.db.kysely.selectFrom('credit_lots').select(['id', 'client_id']).where('expiry', '<=', now).where('expired_at', 'is', null).execute();
    for (const lot of lots) {
      await this.lockAndRun(lot.client_id, async (trx) => {
        const cur = await trx.selectFrom('credit_lots').select(['amount', 'expired_at']).where('id', '=', lot.id).executeTakeFirst();
        if (!cur || cur.expired_at !== null) return;
        await trx.updateTable('credit_lots').set({ expired_at: now, amount: 0 }).where('id', '=', lot.id).execute();
        if (cur.amount > 0) {
          await trx
            .insertInto('credit_history')
            .values({ client_id: lot.client_id, timestamp: now, action: 'expire', target_id: `lot-${lot.id}`, info: JSON.stringify({ credits: [{ id: Number(lot.id), amount: -cur.amount }] }) })
            .execute();
        }
      });
    }
    return lots.length;
  }
}
