import { pino } from 'pino';
import { KeysService } from '../auth/keys.service.js';
import { MasterKey } from '../auth/master-key.js';
import { CreditsService } from '../billing/credits.service.js';
import { loadConfig, type DarkroomConfig } from '../config.js';
import { openDatabase, type Db } from '../db/connect.js';
import { systemClock } from '../util/clock.js';

/** What CLI commands share: configuration from the environment/config file and, on demand, the database. */
export interface CliContext {
  config(): DarkroomConfig;
  /** Opens the configured database with the key and credit services; the caller must close it. */
  openStore(): Promise<{ db: Db; keys: KeysService; credits: CreditsService; close(): Promise<void> }>;
}

export function createCliContext(): CliContext {
  let cfg: DarkroomConfig | undefined;
  const config = () => (cfg ??= loadConfig());
  return {
    config,
    async openStore() {
      const c = config();
      const db = await openDatabase(c.databaseUrl);
      const master = MasterKey.load(c.dataDir, c.masterKey);
      return { db, keys: new KeysService(db, master, systemClock, c.auth.keyBits), credits: new CreditsService(db, systemClock), close: () => db.close() };
    },
  };
}

/** Runs `fn` with the store open, closing it whatever happens. */
export async function withStore<T>(ctx: CliContext, fn: (store: Awaited<ReturnType<CliContext['openStore']>>) => Promise<T>): Promise<T> {
  const store = await ctx.openStore();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const quietLog = pino({ level: 'silent' });

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join('  '));
}
