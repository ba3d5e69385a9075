import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import { randomId, sha256Hex } from '../util/ids.js';

const SESSION_MS = 12 * 3600_000;

/** Operator sign-in for the console and the admin API (a Darkroom extension). */
export class AdminService {
  private constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly password: string,
    /** True when the password was generated now and must be shown once. */
    readonly generated: boolean,
  ) {}

  /** Password from config, else `<dataDir>/secrets/admin-password`, created on first start. */
  static create(db: Db, clock: Clock, dataDir: string, configured?: string): AdminService {
    if (configured) return new AdminService(db, clock, configured, false);
    const file = path.join(dataDir, 'secrets', 'admin-password');
    if (existsSync(file)) return new AdminService(db, clock, readFileSync(file, 'utf8').trim(), false);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const pw = randomId(18);
    writeFileSync(file, pw, { mode: 0o600 });
    return new AdminService(db, clock, pw, true);
  }

  revealGeneratedPassword(): string | undefined {
    return this.generated ? this.password : undefined;
  }

  async login(password: string): Promise<{ token: string; expiresInSec: number } | undefined> {
    const a = Buffer.from(sha256Hex(password));
    const b = Buffer.from(sha256Hex(this.password));
    if (!timingSafeEqual(a, b)) return undefined;
    const token = randomId(32);
    await this.db.kysely.insertInto('admin_sessions').values({ token_hash: sha256Hex(token), expires_at: this.clock.now() + SESSION_MS }).execute();
    return { token, expiresInSec: SESSION_MS / 1000 };
  }

  async verify(token: string): Promise<boolean> {
    if (!token) return false;
    const row = await this.db.kysely.selectFrom('admin_sessions').select('expires_at').where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    return !!row && row.expires_at > this.clock.now();
  }
}
