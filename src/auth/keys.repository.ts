import type { Db } from '../db/connect.js';
import type { ClientsTable } from '../db/schema.js';

/** Every statement on API keys (`clients`), and the revocation of their access tokens. */
export class KeysRepository {
  constructor(private readonly db: Db) {}

  async insert(row: ClientsTable): Promise<void> {
    await this.db.kysely.insertInto('clients').values(row).execute();
  }

  async list(): Promise<Pick<ClientsTable, 'id' | 'name' | 'created_at' | 'revoked_at'>[]> {
    return this.db.kysely.selectFrom('clients').select(['id', 'name', 'created_at', 'revoked_at']).orderBy('created_at', 'asc').execute();
  }

  async get(clientId: string): Promise<ClientsTable | undefined> {
    return this.db.kysely.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  }

  /** Revokes the key and its live access tokens in one transaction; when it was revoked (now or before), undefined if unknown. */
  async revoke(clientId: string, now: number): Promise<number | undefined> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('clients').select(['revoked_at']).where('id', '=', clientId).executeTakeFirst();
      if (!r) return undefined;
      if (r.revoked_at !== null) return r.revoked_at;
      await trx.updateTable('clients').set({ revoked_at: now }).where('id', '=', clientId).execute();
      await trx.updateTable('access_tokens').set({ revoked_at: now }).where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
      return now;
    });
  }
}
