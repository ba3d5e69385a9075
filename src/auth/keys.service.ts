import { generateKeyPairSync } from 'node:crypto';
import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import { randomId } from '../util/ids.js';
import { KeysRepository } from './keys.repository.js';
import type { MasterKey } from './master-key.js';

export interface CreatedKey {
  clientId: string;
  /** base64 X.509 SubjectPublicKeyInfo (DER) of the RSA public key: shown once, never stored in the clear elsewhere. */
  clientSecret: string;
  name: string;
  /** Secret for verifying webhook signatures (Darkroom extension). */
  webhookSecret: string;
}

export interface KeyRow {
  clientId: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

/** API keys: a client_id and an RSA key pair whose private half the server keeps encrypted. */
export class KeysService {
  private readonly repo: KeysRepository;

  constructor(
    db: Db,
    private readonly master: MasterKey,
    private readonly clock: Clock,
    private readonly keyBits: number,
  ) {
    this.repo = new KeysRepository(db);
  }

  async create(name: string): Promise<CreatedKey> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: this.keyBits });
    const clientSecret = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const clientId = randomId(24);
    const webhookSecret = `whsec_${randomId(24)}`;
    await this.repo.insert({
      id: clientId,
      name: name.slice(0, 200),
      public_key: clientSecret,
      private_key_enc: this.master.encrypt(privatePem),
      webhook_secret_enc: this.master.encrypt(webhookSecret),
      created_at: this.clock.now(),
      revoked_at: null,
    });
    return { clientId, clientSecret, name, webhookSecret };
  }

  async list(): Promise<KeyRow[]> {
    const rows = await this.repo.list();
    return rows.map((r) => ({ clientId: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  async get(clientId: string): Promise<KeyRow | undefined> {
    const r = await this.repo.get(clientId);
    return r && { clientId: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at };
  }

  /** The private key of an active client, or undefined (unknown or revoked). */
  async activePrivateKey(clientId: string): Promise<string | undefined> {
    const r = await this.repo.get(clientId);
    if (!r || r.revoked_at !== null) return undefined;
    return this.master.decrypt(r.private_key_enc);
  }

  async webhookSecret(clientId: string): Promise<string | undefined> {
    const r = await this.repo.get(clientId);
    return r ? this.master.decrypt(r.webhook_secret_enc) : undefined;
  }

  /** Revokes the key and every access token issued to it, at once. */
  async revoke(clientId: string): Promise<number | undefined> {
    return this.repo.revoke(clientId, this.clock.now());
  }
}
