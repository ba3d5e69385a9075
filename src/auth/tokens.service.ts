import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import { randomId, sha256Hex } from '../util/ids.js';
import { decryptIdToken } from './id-token.js';
import type { KeysService } from './keys.service.js';

export interface AccessToken {
  accessToken: string;
  expiresInSec: number;
}

/** Why an exchange failed; the HTTP layer answers every reason with the same public error. */
export type ExchangeFailure = 'unknown_client' | 'bad_token' | 'client_mismatch' | 'stale' | 'replayed';

export class TokensService {
  constructor(
    private readonly db: Db,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    private readonly opts: { tokenTtlMs: number; idTokenWindowMs: number },
  ) {}

  /** Exchanges an id_token for a 2-hour access token (stored only as a hash). */
  async exchange(clientId: string, idToken: string): Promise<AccessToken | ExchangeFailure> {
    const privateKey = await this.keys.activePrivateKey(clientId);
    if (!privateKey) return 'unknown_client';
    const claims = decryptIdToken(idToken, privateKey);
    if (!claims) return 'bad_token';
    if (claims.clientId !== clientId) return 'client_mismatch';
    const now = this.clock.now();
    if (Math.abs(now - claims.timestamp) > this.opts.idTokenWindowMs) return 'stale';
    const idHash = sha256Hex(`${clientId}:${claims.timestamp}`);
    const token = randomId(32);
    const replayed = await this.db.kysely.transaction().execute(async (trx) => {
      // Timestamps are unique per id_token plaintext: a second exchange of the same one is a replay.
      const inserted = await trx
        .insertInto('used_id_tokens')
        .values({ token_hash: idHash, client_id: clientId, expires_at: claims.timestamp + this.opts.idTokenWindowMs })
        .onConflict((oc) => oc.column('token_hash').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return true;
      await trx
        .insertInto('access_tokens')
        .values({ token_hash: sha256Hex(token), client_id: clientId, created_at: now, expires_at: now + this.opts.tokenTtlMs, revoked_at: null })
        .execute();
      return false;
    });
    if (replayed) return 'replayed';
    return { accessToken: token, expiresInSec: Math.floor(this.opts.tokenTtlMs / 1000) };
  }

  /** The client behind a bearer token, or undefined when the token is unknown, expired or revoked. */
  async authenticate(token: string): Promise<string | undefined> {
    if (!token || token.length > 256) return undefined;
    const row = await this.db.kysely
      .selectFrom('access_tokens')
      .innerJoin('clients', 'clients.id', 'access_tokens.client_id')
      .select(['access_tokens.client_id', 'access_tokens.expires_at', 'access_tokens.revoked_at', 'clients.revoked_at as client_revoked_at'])
      .where('access_tokens.token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.client_revoked_at !== null || row.expires_at <= this.clock.now()) return undefined;
    return row.client_id;
  }

  /** Forgets used id_tokens and access tokens that can no longer matter. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    await this.db.kysely.deleteFrom('used_id_tokens').where('expires_at', '<', now - this.opts.idTokenWindowMs).execute();
    await this.db.kysely.deleteFrom('access_tokens').where('expires_at', '<', now - 24 * 3600_000).execute();
  }
}
