import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import { randomId, sha256Hex } from '../util/ids.js';
import { decryptIdToken } from './id-token.js';
import type { KeysService } from './keys.service.js';
import { TokensRepository } from './tokens.repository.js';

export interface AccessToken {
  accessToken: string;
  expiresInSec: number;
}

/** Why an exchange failed; the HTTP layer answers every reason with the same public error. */
export type ExchangeFailure = 'unknown_client' | 'bad_token' | 'client_mismatch' | 'stale' | 'replayed';

export class TokensService {
  private readonly repo: TokensRepository;

  constructor(
    db: Db,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    private readonly opts: { tokenTtlMs: number; idTokenWindowMs: number },
  ) {
    this.repo = new TokensRepository(db);
  }

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
    // Timestamps are unique per id_token plaintext: a second exchange of the same one is a replay.
    const issued = await this.repo.issueOnce(
      { token_hash: idHash, client_id: clientId, expires_at: claims.timestamp + this.opts.idTokenWindowMs },
      { token_hash: sha256Hex(token), client_id: clientId, created_at: now, expires_at: now + this.opts.tokenTtlMs, revoked_at: null },
    );
    if (!issued) return 'replayed';
    return { accessToken: token, expiresInSec: Math.floor(this.opts.tokenTtlMs / 1000) };
  }

  /** The client behind a bearer token, or undefined when the token is unknown, expired or revoked. */
  async authenticate(token: string): Promise<string | undefined> {
    if (!token || token.length > 256) return undefined;
    const row = await this.repo.withClient(sha256Hex(token));
    if (!row || row.revoked_at !== null || row.client_revoked_at !== null || row.expires_at <= this.clock.now()) return undefined;
    return row.client_id;
  }

  /** Forgets used id_tokens and access tokens that can no longer matter. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    await this.repo.forget(now - this.opts.idTokenWindowMs, now - 24 * 3600_000);
  }
}
