import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The server's master key encrypts secrets at rest (clients' RSA private keys, webhook secrets) and
 * signs URLs. It comes from the `masterKey` setting (DARKROOM_MASTER_KEY, base64 of 32 bytes) or `<dataDir>/secrets/master.key`,
 * created with mode 0600 on first start.
 */
export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static load(dataDir: string, base64Key?: string): MasterKey {
    if (base64Key) {
      const key = Buffer.from(base64Key, 'base64');
      if (key.length !== 32) throw new Error('DARKROOM_MASTER_KEY must be 32 bytes, base64-encoded');
      return new MasterKey(key);
    }
    const file = path.join(dataDir, 'secrets', 'master.key');
    if (existsSync(file)) return new MasterKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    return new MasterKey(key);
  }

  /** AES-256-GCM; output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised sealed secret');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  }

  /** A sub-key for one purpose (URL signing, …), so one leaked derived key reveals nothing else. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }
}
