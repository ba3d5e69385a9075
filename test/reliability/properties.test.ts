import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { API_ERRORS } from '../../src/api/errors.js';
import { FEATURES } from '../../src/features/table.js';
import { startTestServer, type TestClient, type TestServer } from '../helpers/harness.js';
import { smallPng } from './support/fixtures.js';

/**
 * Property-based tests over the request schemas: whatever JSON a client sends to any endpoint, the
 * answer is a success or the error envelope with a documented code, never a 5xx.
 */

let server: TestServer;
let c: TestClient;
let fileId: string;
const KNOWN_CODES = new Set(Object.keys(API_ERRORS));
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

before(async () => {
  server = await startTestServer({ runEngines: false });
  c = await server.newClient(1_000_000);
  fileId = await c.upload('color-correct', await smallPng(), 'image/png');
});
after(async () => server?.close());

async function call(method: string, path: string, body?: unknown, rawBody?: string) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() };
}

/** The contract every answer keeps. */
function wellFormed(r: { status: number; text: string; json: any }, allowed: number[]): boolean {
  if (r.status >= 500) throw new Error(`server error ${r.status}: ${r.text.slice(0, 300)}`);
  if (!allowed.includes(r.status)) throw new Error(`unexpected status ${r.status}: ${r.text.slice(0, 300)}`);
  if (!r.json || r.json.status !== r.status) throw new Error(`no envelope: ${r.text.slice(0, 300)}`);
  if (r.status !== 200 && (!KNOWN_CODES.has(r.json.error_code) || typeof r.json.error !== 'string')) throw new Error(`unknown error code: ${r.text.slice(0, 300)}`);
  return true;
}

const feature = fc.constantFrom(...FEATURES);
const segment = feature.map((f) => f.segments[0]);

function validBody(spec: (typeof FEATURES)[number]) {
  return {
    request_id: 7,
    payload: {
      ...(spec.fileSets.length ? { file_sets: Object.fromEntries(spec.fileSets.map((s) => [s.name, [fileId]])) } : {}),
      actions: [{ id: 0, params: {} }],
      output_ext: 'png',
    },
  };
}

/** Replaces the value at one path of a JSON object with another value. */
function mutate(obj: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  if (!obj || typeof obj !== 'object') return obj;
  const copy: any = Array.isArray(obj) ? [...obj] : { ...(obj as object) };
  copy[path[0]] = mutate(copy[path[0]], path.slice(1), value);
  return copy;
}

const bodyPaths: string[][] = [
  ['request_id'],
  ['payload'],
  ['payload', 'file_sets'],
  ['payload', 'file_sets', 'src_ids'],
  ['payload', 'file_sets', 'src_ids', '0'],
  ['payload', 'actions'],
  ['payload', 'actions', '0'],
  ['payload', 'actions', '0', 'id'],
  ['payload', 'actions', '0', 'params'],
  ['payload', 'actions', '0', 'params', 'scale'],
  ['payload', 'actions', '0', 'params', 'prompt'],
  ['payload', 'output_ext'],
  ['callback_url'],
  ['extra'],
];

test('any JSON value as a task body answers a 4xx envelope or 200', async () => {
  await fc.assert(
    fc.asyncProperty(segment, fc.jsonValue({ maxDepth: 4 }), async (s, body) => wellFormed(await call('POST', `/s2s/v1.0/task/${s}`, body), [200, 400, 404, 409, 413])),
    { numRuns: RUNS },
  );
});

test('a valid task body with one field replaced by any JSON value never breaks the server', async () => {
  await fc.assert(
    fc.asyncProperty(feature, fc.constantFrom(...bodyPaths), fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 0, max: 2 ** 40 }), async (spec, p, value, rid) => {
      const body = mutate({ ...validBody(spec), request_id: rid }, p, value);
      return wellFormed(await call('POST', `/s2s/v1.0/task/${spec.segments[0]}`, body), [200, 400, 404, 409, 413]);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('file requests with arbitrary names, types and sizes answer 200 with safe storage paths, or a 4xx', async () => {
  const contentType = fc.oneof(fc.constantFrom('image/jpeg', 'image/jpg', 'image/png', 'image/heic', 'video/mp4', 'IMAGE/PNG'), fc.string({ maxLength: 40 }));
  const fileSize = fc.oneof(fc.integer({ min: -10, max: 2 ** 40 }), fc.double(), fc.string({ maxLength: 5 }), fc.constant(undefined));
  const name = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('../../x', '..\\..\\x', '/etc/passwd', 'a\u0000b', '%2e%2e%2f'));
  await fc.assert(
    fc.asyncProperty(segment, fc.array(fc.record({ content_type: contentType, file_name: name, file_size: fileSize }, { requiredKeys: ['content_type', 'file_name'] }), { maxLength: 12 }), async (s, files) => {
      const r = await call('POST', `/s2s/v1.1/file/${s}`, { files });
      wellFormed(r, [200, 400, 404, 413]);
      if (r.status === 200) {
        for (const f of r.json.result.files) {
          const url = new URL(f.requests[0].url);
          assert.match(url.pathname, /^\/storage\/uploads\/[A-Za-z0-9_-]{2}\/[A-Za-z0-9_-]+\.[a-z0-9]+$/);
        }
      }
      return true;
    }),
    { numRuns: RUNS },
  );
});

test('poll, cancel and history query strings of any content answer a 4xx envelope or 200', async () => {
  const junk = fc.string({ unit: 'binary', maxLength: 300 });
  await fc.assert(
    fc.asyncProperty(segment, junk, junk, junk, async (s, taskId, pageSize, token) => {
      const q = (v: string) => encodeURIComponent(v);
      wellFormed(await call('GET', `/s2s/v1.0/task/${s}?task_id=${q(taskId)}`), [400, 404]);
      wellFormed(await call('POST', `/s2s/v1.0/task/${s}/cancel?task_id=${q(taskId)}`), [400, 404]);
      wellFormed(await call('GET', `/s2s/v1.0/client/credit/history?page_size=${q(pageSize)}&starting_token=${q(token)}`), [200, 400]);
      return true;
    }),
    { numRuns: RUNS },
  );
});

test('auth exchanges with arbitrary client ids and tokens answer 400 or 401, never a token', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constant(c.clientId)), fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), fc.base64String({ maxLength: 400 })), async (clientId, idToken) => {
      const r = await call('POST', '/s2s/v1.0/client/auth', { client_id: clientId, id_token: idToken });
      return wellFormed(r, [400, 401]);
    }),
    { numRuns: RUNS },
  );
});

test('the server is still healthy afterwards', async () => {
  assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
  assert.equal((await call('GET', '/s2s/v1.0/client/credit')).status, 200);
});
