import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { sha256Hex } from '../../../src/util/ids.js';
import { testPhoto, type TestClient, type TestServer } from '../../helpers/harness.js';
import type { AuthMode } from '../bad-inputs/corpus.js';

/** Two tenants with files, finished tasks and results, plus every kind of bad credential. */
export interface Tenants {
  me: TestClient;
  other: TestClient;
  vars: Record<string, string>;
  tokens: Record<Exclude<AuthMode, 'valid' | 'none' | 'duplicated'>, string>;
}

export async function smallPng(): Promise<Buffer> {
  return sharp(testPhoto('coffee.png')).resize(96, 64, { fit: 'fill' }).png().toBuffer();
}

async function storageKeyOf(server: TestServer, fileId: string): Promise<string> {
  const row = await server.app.services.db.kysely.selectFrom('files').select('storage_key').where('id', '=', fileId).executeTakeFirstOrThrow();
  return row.storage_key;
}

/** Runs one colour-correction task to success and returns its ids and result URL. */
async function finishedTask(server: TestServer, c: TestClient, png: Buffer) {
  const fileId = await c.upload('color-correct', png, 'image/png');
  const created = await c.createTask('color-correct', { src_ids: [fileId] });
  if (created.status !== 200) throw new Error(`fixture task refused: ${JSON.stringify(created.body)}`);
  const taskId = created.body.result.task_id as string;
  const done = await c.waitForTask('color-correct', taskId);
  if (done.status !== 'success') throw new Error(`fixture task failed: ${JSON.stringify(done)}`);
  const url = new URL(done.results[0].data[0].url);
  return { fileId, fileKey: await storageKeyOf(server, fileId), taskId, resultUrl: url };
}

export async function makeTenants(server: TestServer, adminPassword: string): Promise<Tenants> {
  const png = await smallPng();
  const me = await server.newClient(1000);
  const other = await server.newClient(100);
  const mine = await finishedTask(server, me, png);
  const theirs = await finishedTask(server, other, png);

  const revoked = await server.newClient(0);
  await server.app.services.keys.revoke(revoked.clientId);

  const expired = randomBytes(32).toString('base64url');
  const now = Date.now();
  await server.app.services.db.kysely
    .insertInto('access_tokens')
    .values({ token_hash: sha256Hex(expired), client_id: me.clientId, created_at: now - 3 * 3600_000, expires_at: now - 3600_000, revoked_at: null })
    .execute();
  const admin = await server.app.services.admin.login(adminPassword);
  if (!admin) throw new Error('admin login failed');

  return {
    me,
    other,
    vars: {
      myFile: mine.fileId,
      myFileKey: mine.fileKey,
      myTask: mine.taskId,
      myResultQuery: mine.resultUrl.search.slice(1),
      otherFile: theirs.fileId,
      otherTask: theirs.taskId,
      otherResultKey: theirs.resultUrl.pathname.replace(/^\/storage\//, ''),
      otherClient: other.clientId,
    },
    tokens: {
      'empty-bearer': '',
      basic: '',
      unknown: randomBytes(32).toString('base64url'),
      expired,
      revoked: revoked.token!,
      oversized: 'a'.repeat(8000),
      'admin-token': admin.token,
    },
  };
}

/** The Authorization header(s) a case sends. */
export function authHeaders(t: Tenants, mode: AuthMode): Headers {
  const h = new Headers();
  switch (mode) {
    case 'none':
      break;
    case 'valid':
      h.set('authorization', `Bearer ${t.me.token}`);
      break;
    case 'empty-bearer':
      h.set('authorization', 'Bearer ');
      break;
    case 'basic':
      h.set('authorization', `Basic ${Buffer.from(`${t.me.clientId}:secret`).toString('base64')}`);
      break;
    case 'duplicated':
      h.append('authorization', `Bearer ${t.me.token}`);
      h.append('authorization', `Bearer ${t.other.token}`);
      break;
    default:
      h.set('authorization', `Bearer ${t.tokens[mode]}`);
  }
  return h;
}

export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}
