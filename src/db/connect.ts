import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import { pino, type Logger } from 'pino';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { ServiceHealth } from '../health/service-health.js';
import { guardPool } from './pg-guard.js';

export type DbDialectName = 'sqlite' | 'postgres';

/** Where a repository runs a statement: the database, or the caller's open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  kysely: Kysely<Database>;
  dialect: DbDialectName;
  /** PostgreSQL's reachability as this process sees it (SQLite is a file: always up). */
  health: ServiceHealth;
  close(): Promise<void>;
}

async function openSqlite(file: string): Promise<Kysely<Database>> {
  const { default: SQLite } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

async function openPostgres(url: string, log: Logger): Promise<{ kysely: Kysely<Database>; health: ServiceHealth }> {
  const pg = await import('pg');
  // int8 (bigint) columns hold millisecond timestamps and ids, all far below 2^53.
  pg.default.types.setTypeParser(20, (v: string) => Number(v));
  // A bounded connect wait: while PostgreSQL is away a request fails in seconds instead of hanging.
  const pool = new pg.default.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3_000 });
  // The probe asks the raw pool: the guarded one refuses every query while the database is down.
  const health = new ServiceHealth('database', log, { probe: () => pool.query('select 1') });
  // The server ending idle connections (a restart: 57P01) is emitted on the pool; unheard, it would
  // kill the process. The pool drops the dead client and opens a new one on the next query.
  pool.on('error', (err) => health.markDown(err));
  return { kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardPool(pool, health) }) }), health };
}

/** Opens `sqlite:<path>` or `postgres://…` and brings the schema to the latest migration. */
export async function openDatabase(url: string, log: Logger = pino({ level: 'silent' })): Promise<Db> {
  const dialect: DbDialectName = /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
  const { kysely, health } =
    dialect === 'postgres' ? await openPostgres(url, log) : { kysely: await openSqlite(url.replace(/^sqlite:/, '')), health: new ServiceHealth('database', log) };
  await migrateToLatest(kysely, dialect);
  return {
    kysely,
    dialect,
    health,
    close: async () => {
      health.close();
      await kysely.destroy();
    },
  };
}

/** Answers when the database does: readiness checks. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}

/**
 * Serialises credit-changing transactions of one client. PostgreSQL takes a row lock on the
 * client; SQLite needs nothing, since Kysely's SQLite driver runs one transaction at a time.
 */
export async function lockClient(trx: Transaction<Database>, db: Db, clientId: string): Promise<void> {
  if (db.dialect === 'postgres') await sql`select id from clients where id = ${clientId} for update`.execute(trx);
}
