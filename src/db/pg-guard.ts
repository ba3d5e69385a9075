import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { ServiceUnavailableError, type ServiceHealth } from '../health/service-health.js';

/** Errors that say the connection to PostgreSQL is gone, not that the statement was wrong. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i;

export function isPgConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(e.message);
}

/**
 * The pool as Kysely sees it, with connection failures turned into ServiceUnavailableError (503 in
 * the API, a retry in the task runner) and reported to the database's health. While the database
 * counts as down, a query is refused at once: requests answer 503 instead of each waiting out the
 * connect timeout; the health probe (on the raw pool) finds the database back.
 */
export function guardPool(pool: pg.Pool, health: ServiceHealth): PostgresPool {
  const fail = (e: unknown): never => {
    if (!isPgConnectionError(e)) throw e;
    health.markDown(e);
    throw new ServiceUnavailableError('database', (e as Error).message);
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      health.assertUp();
      const client = await pool.connect().catch(fail);
      // pg-pool listens for errors only on idle clients: the server ending a session while a
      // client is checked out (between two statements of a transaction) would be unheard and
      // crash the process. The broken client is destroyed on release, not pooled again.
      let broken: Error | undefined;
      const onError = (e: Error) => {
        broken = e;
        health.markDown(e);
      };
      client.on('error', onError);
      return {
        query: ((...args: unknown[]) => {
          const result = (client.query as (...a: unknown[]) => unknown).apply(client, args);
          // A cursor (streaming) is returned as is; a statement's promise reports a lost connection.
          return result instanceof Promise ? result.catch(fail) : result;
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          client.removeListener('error', onError);
          client.release(destroy || broken);
        },
      };
    },
    end: () => pool.end(),
  };
}
