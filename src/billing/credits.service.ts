import type { Transaction } from 'kysely';
import type { Db, Executor } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../util/clock.js';
import { CreditsRepository } from './credits.repository.js';

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
  private readonly repo: CreditsRepository;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.repo = new CreditsRepository(db);
  }

  async grant(clientId: string, amount: number, type: CreditType, expiry: number, action = type === 'SubsToken' ? 'subscription_credits' : 'permanent_credits', targetId = ''): Promise<CreditLot> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('amount must be a positive integer');
    const now = this.clock.now();
    const id = await this.repo.insertLot(
      { client_id: clientId, type, amount, initial_amount: amount, obtained_at: now, expiry, expired_at: null },
      (lotId) => ({ client_id: clientId, timestamp: now, action, target_id: targetId || `grant-${lotId}`, info: JSON.stringify({ credits: [{ id: lotId, amount }] }) }),
    );
    return { id, type, amount, expiry };
  }

  /** Lots still usable (not expired, not empty), nearest expiry first. */
  async lots(clientId: string): Promise<CreditLot[]> {
    const rows = await this.repo.usableLots(clientId, this.clock.now());
    return rows.map((r) => ({ id: r.id, type: r.type, amount: r.amount, expiry: r.expiry }));
  }

  async balance(clientId: string, executor?: Executor): Promise<number> {
    return this.repo.balance(clientId, this.clock.now(), executor);
  }

  /** Balance minus the credits held by running tasks. */
  async available(clientId: string, executor?: Executor): Promise<number> {
    return (await this.balance(clientId, executor)) - (await this.repo.held(clientId, executor));
  }

  /**
   * Takes `price` credits inside the caller's transaction: nearest expiry first, then earliest
   * obtained, spanning lots when needed; writes one history entry. The caller holds the client lock.
   */
  async chargeInTransaction(trx: Transaction<Database>, clientId: string, price: number, action: string, targetId: string): Promise<HistoryEntry['info']> {
    const now = this.clock.now();
    const lots = await this.repo.usableLots(clientId, now, trx);
    let remaining = price;
    const taken: { id: number; amount: number }[] = [];
    for (const lot of lots) {
      if (remaining === 0) break;
      const take = Math.min(lot.amount, remaining);
      if (!(await this.repo.takeFromLot(trx, lot.id, take))) throw new CreditsExhaustedError();
      taken.push({ id: lot.id, amount: -take });
      remaining -= take;
    }
    if (remaining > 0) throw new CreditsExhaustedError();
    const info = { credits: taken };
    await this.repo.insertHistory({ client_id: clientId, timestamp: now, action, target_id: targetId, info: JSON.stringify(info) }, trx);
    return info;
  }

  async lockAndRun<T>(clientId: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.repo.inClientLock(clientId, fn);
  }

  /** Newest first. The token is the last id of the previous page. */
  async history(clientId: string, pageSize: number, startingToken?: string): Promise<HistoryPage> {
    const rows = await this.repo.history(clientId, pageSize + 1, startingToken ? Number(startingToken) : undefined);
    const page = rows.slice(0, pageSize).map((r) => ({ id: Number(r.id), timestamp: r.timestamp, action: r.action, target_id: r.target_id, info: JSON.parse(r.info) }));
    return { history: page, nextToken: rows.length > pageSize ? String(page[page.length - 1].id) : undefined };
  }

  /** Writes an `expire` history entry for each lot that expired with credits left, once. */
  async sweepExpired(): Promise<number> {
    const now = this.clock.now();
    const lots = await this.repo.expiredUnrecorded(now);
    for (const lot of lots) {
      await this.lockAndRun(lot.client_id, async (trx) => {
        const cur = await this.repo.lot(trx, lot.id);
        if (!cur || cur.expired_at !== null) return;
        await this.repo.markExpired(trx, lot.id, now);
        if (cur.amount > 0) {
          await this.repo.insertHistory({ client_id: lot.client_id, timestamp: now, action: 'expire', target_id: `lot-${lot.id}`, info: JSON.stringify({ credits: [{ id: Number(lot.id), amount: -cur.amount }] }) }, trx);
        }
      });
    }
    return lots.length;
  }
}
