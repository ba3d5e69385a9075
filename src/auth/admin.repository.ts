import type { Db } from '../db/connect.js';

/** Every statement on console sessions. */
export class AdminRepository {
  constructor(private readonly db: Db) {}

  async insertSession(tokenHash: string, expiresAt: number): Promise<void> {
    await this.db.kysely.insertInto('admin_sessions').values({ token_hash: tokenHash, expires_at: expiresAt }).execute();
  }

  async sessionExpiry(tokenHash: string): Promise<number | undefined> {
    const row = await this.db.kysely.selectFrom('admin_sessions').select('expires_at').where('token_hash', '=', tokenHash).executeTakeFirst();
    return row?.expires_at;
  }
}
