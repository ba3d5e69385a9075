import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort } from '../../helpers/harness.js';
import { createDatabaseIn } from './own-services.js';

/** The machine's PostgreSQL (trust auth) and Redis; override with these variables elsewhere. */
export const PG_ADMIN_URL = process.env.DARKROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL_BASE = process.env.DARKROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database for one test file, dropped afterwards. */
export async function createTestDatabase(prefix = 'darkroom_scale'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    url: await createDatabaseIn(PG_ADMIN_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A Redis database index of its own for one test file (BullMQ keys, rate limits), flushed on both
 * ends, so test files running side by side never see each other's jobs.
 */
export async function createTestRedis(db: number): Promise<{ url: string; flush(): Promise<void> }> {
  const url = `${REDIS_URL_BASE}/${db}`;
  const flush = async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    await r.flushdb();
    r.disconnect();
  };
  await flush();
  return { url, flush };
}

export interface TestS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

/** s3rver (an S3 API on local disk) on a free loopback port, with one bucket. */
export async function startS3(bucket = 'darkroom'): Promise<TestS3> {
  // s3rver is CommonJS without types.
  const { default: S3rver } = (await import('s3rver')) as unknown as { default: new (opts: object) => { run(): Promise<unknown>; close(): Promise<void> } };
  const dir = mkdtempSync(path.join(tmpdir(), 'darkroom-s3-'));
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's built-in account.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
