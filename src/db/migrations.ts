import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DbDialectName } from './connect.js';

/**
 * Migrations live in code (not a folder scan) so they ship inside the built output unchanged.
 * Column types differ only where the dialects do: 64-bit timestamps and auto-increment ids.
 */
function migrations(dialect: DbDialectName): Record<string, Migration> {
  const ts = dialect === 'postgres' ? 'bigint' : 'integer';
  const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('clients')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('private_key_enc', 'text', (c) => c.notNull())
          .addColumn('webhook_secret_enc', 'text', (c) => c.notNull())
          .addColumn('created_at', ts, (c) => c.notNull())
          .addColumn('revoked_at', ts)
          .execute();
        await db.schema
          .createTable('access_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
          .addColumn('created_at', ts, (c) => c.notNull())
          .addColumn('expires_at', ts, (c) => c.notNull())
          .addColumn('revoked_at', ts)
          .execute();
        await db.schema.createIndex('access_tokens_client').on('access_tokens').column('client_id').execute();
        await db.schema
          .createTable('used_id_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', ts, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('credit_lots')
          .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
          .addColumn('initial_amount', 'integer', (c) => c.notNull())
          .addColumn('obtained_at', ts, (c) => c.notNull())
          .addColumn('expiry', ts, (c) => c.notNull())
          .addColumn('expired_at', ts)
          .execute();
        await db.schema.createIndex('credit_lots_client').on('credit_lots').columns(['client_id', 'expiry']).execute();
        await db.schema
          .createTable('credit_history')
          .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
          .addColumn('timestamp', ts, (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('info', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('credit_history_client').on('credit_history').columns(['client_id', 'id']).execute();
        await db.schema
          .createTable('files')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
          .addColumn('feature', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('declared_size', ts)
          .addColumn('size', ts)
          .addColumn('storage_key', 'text', (c) => c.notNull())
          .addColumn('task_id', 'text')
          .addColumn('created_at', ts, (c) => c.notNull())
          .addColumn('expires_at', ts, (c) => c.notNull())
          .addColumn('deleted_at', ts)
          .execute();
        await db.schema.createIndex('files_expiry').on('files').columns(['deleted_at', 'expires_at']).execute();
        await db.schema
          .createTable('tasks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
          .addColumn('feature', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('input_key', 'text', (c) => c.notNull())
          .addColumn('params_hash', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('error_message', 'text')
          .addColumn('price', 'integer', (c) => c.notNull())
          .addColumn('hold', 'integer', (c) => c.notNull())
          .addColumn('progress', 'real', (c) => c.notNull().defaultTo(0))
          .addColumn('results', 'text')
          .addColumn('callback_url', 'text')
          .addColumn('created_at', ts, (c) => c.notNull())
          .addColumn('finished_at', ts)
          .addColumn('last_polled_at', ts, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_at', ts)
          .addUniqueConstraint('tasks_idempotency', ['client_id', 'feature', 'request_id', 'input_key'])
          .execute();
        await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'last_polled_at']).execute();
        await db.schema.createIndex('tasks_client').on('tasks').columns(['client_id', 'created_at']).execute();
        await db.schema
          .createTable('admin_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', ts, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', ts, (c) => c.notNull())
          .addColumn('delivered_at', ts)
          .addColumn('failed_at', ts)
          .execute();
      },
    },
    '0002_workers': {
      // Engine processes beat here; a running task claimed by a process that stopped beating is recovered.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('workers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('pid', 'integer', (c) => c.notNull())
          .addColumn('started_at', ts, (c) => c.notNull())
          .addColumn('heartbeat_at', ts, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('tasks_claimed').on('tasks').columns(['status', 'claimed_by']).execute();
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<any>, dialect: DbDialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
}
