import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CreditsService } from '../billing/credits.service.js';
import type { Clock } from '../util/clock.js';
import type { KeysService } from './keys.service.js';

export interface DevKey {
  clientId: string;
  clientSecret: string;
  credits: number;
  created: boolean;
}

const YEAR_MS = 365 * 24 * 3600_000;

/**
 * First start: creates the dev key with credits. Later starts: shows the same key again (kept 0600
 * in the data dir). Nothing once the operator has made keys of their own.
 */
export async function ensureDevKey(deps: { keys: KeysService; credits: CreditsService; clock: Clock }, opts: { dataDir: string; credits: number }): Promise<DevKey | undefined> {
  const { keys, credits, clock } = deps;
  const file = path.join(opts.dataDir, 'secrets', 'dev-key.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
    const row = await keys.get(saved.clientId);
    if (row && row.revokedAt === null) return { ...saved, credits: await credits.balance(saved.clientId), created: false };
  }
  if ((await keys.list()).some((k) => k.name !== 'dev')) return undefined;
  const k = await keys.create('dev');
  await credits.grant(k.clientId, opts.credits, 'PaygToken', clock.now() + YEAR_MS, 'sign_up_gift');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ clientId: k.clientId, clientSecret: k.clientSecret }, null, 2), { mode: 0o600 });
  return { clientId: k.clientId, clientSecret: k.clientSecret, credits: opts.credits, created: true };
}
