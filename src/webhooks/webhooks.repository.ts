import type { Db } from '../db/connect.js';
import type { WebhookDeliveriesTable } from '../db/schema.js';

/** Every statement on webhook deliveries. */
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async insert(row: WebhookDeliveriesTable): Promise<void> {
    await this.db.kysely.insertInto('webhook_deliveries').values(row).execute();
  }

  /** Undelivered, unfailed deliveries whose next attempt is due. */
  async due(now: number, limit: number): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('delivered_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async get(id: string): Promise<WebhookDeliveriesTable | undefined> {
    return this.db.kysely.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Counts the next attempt if nobody counted it since `seenAttempts` was read; false when another sweeper did. */
  async claimAttempt(id: string, seenAttempts: number, nextAttemptAt: number): Promise<boolean> {
    const res = await this.db.kysely
      .updateTable('webhook_deliveries')
      .set({ attempts: seenAttempts + 1, next_attempt_at: nextAttemptAt })
      .where('id', '=', id)
      .where('attempts', '=', seenAttempts)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async markEnded(id: string, outcome: 'delivered_at' | 'failed_at', now: number): Promise<void> {
    await this.db.kysely.updateTable('webhook_deliveries').set({ [outcome]: now }).where('id', '=', id).execute();
  }
}
