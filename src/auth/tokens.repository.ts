import type { Db } from '../db/connect.js';
import type { AccessTokensTable, UsedIdTokensTable } from '../db/schema.js';

/** Every statement on access tokens and the id_tokens already exchanged. */
export class TokensRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records the id_token as used and issues the access token, in one transaction; false (and no
   * token) when that id_token was already used.
   */
  async issueOnce(used: UsedIdTokensTable, token: AccessTokensTable): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('used_id_tokens')
        .values(used)
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await trx.insertInto('access_tokens').values(token).execute();
      return true;
    });
  }

  /** The token's row with its client's revocation. */
  async withClient(tokenHash: string) {
    return this.db.kysely
      .selectFrom('access_tokens')
      .innerJoin('clients', 'clients.id', 'access_tokens.client_id')
      .select(['access_tokens.client_id', 'access_tokens.expires_at', 'access_tokens.revoked_at', 'clients.revoked_at as client_revoked_at'])
      .where('access_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async forget(usedIdTokensBefore: number, accessTokensBefore: number): Promise<void> {
    await this.db.kysely.deleteFrom('used_id_tokens').where('expires_at', '<', usedIdTokensBefore).execute();
    await this.db.kysely.deleteFrom('access_tokens').where('expires_at', '<', accessTokensBefore).execute();
  }
}
