import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connect.js';
import type { Clock } from '../util/clock.js';
import { randomId, sha256Hex } from '../util/ids.js';
import { AdminRepository } from './admin.repository.js';

const SESSION_MS = 12 * 3600_000;

/** Operator sign-in for the console and the admin API (a Darkroom extension). */
export class AdminService {
  private readonly repo: AdminRepository;

  private constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly password: string,
    /** True when the password was generated now and must be shown once. */
    readonly generated: boolean,
  ) {
    this.repo = new AdminRepository(db);
  }

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
    await this.repo.insertSession(sha256Hex(token), this.clock.now() + SESSION_MS);
    return { token, expiresInSec: SESSION_MS / 1000 };
  }

  async verify(token: string): Promise<boolean> {
    if (!token) return false;
    const expiresAt = await this.repo.sessionExpiry(sha256Hex(token));
    return expiresAt !== undefined && expiresAt > this.clock.now();
  }
}
