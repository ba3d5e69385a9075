import { FEATURES, type FeatureSpec } from '../../../src/features/table.js';
import { loadMedia, truncated, type Media } from './media.js';

/**
 * The bad-input corpus: every case names what it sends and the answer the wire contract requires.
 * `{name}` placeholders in paths and bodies are filled by the runner with live ids (the caller's
 * own file, another client's task, …), so the corpus itself is plain data that can be written out.
 */

/** Who the request claims to be. */
export type AuthMode =
  | 'valid'
  | 'none'
  | 'empty-bearer'
  | 'basic'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'duplicated'
  | 'oversized'
  | 'admin-token';

/** An HTTP error answer: status and one of the acceptable error codes (or a plain 200). */
export interface HttpExpectation {
  status: number;
  codes?: string[];
}

export interface HttpCase {
  kind: 'http';
  group: string;
  name: string;
  method: string;
  path: string;
  auth: AuthMode;
  body?: string | Buffer;
  contentType?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  expect: HttpExpectation;
  /** Extra check after the answer (e.g. a harmless file name was not used as a path). */
  check?: 'file-name-inert';
}

export type UploadTamper = 'none' | 'sig' | 'expires-later' | 'expired' | 'other-key' | 'no-sig' | 'expires-not-number' | 'traversal-key' | 'content-type' | 'length-mismatch';

export interface UploadCase {
  kind: 'upload';
  group: string;
  name: string;
  feature: string;
  /** Declared in the file request. */
  contentType: string;
  data: Buffer;
  tamper: UploadTamper;
  expect: HttpExpectation;
}

export interface TaskInput {
  set: string;
  data: Buffer;
  contentType: string;
}

export interface TaskCase {
  kind: 'task';
  group: string;
  name: string;
  feature: string;
  inputs: TaskInput[];
  params?: Record<string, unknown>;
  /** Either refused at creation (HTTP) or accepted and ended with this engine error code. */
  expect: { http: HttpExpectation } | { taskError: string };
}

export type BadInputCase = HttpCase | UploadCase | TaskCase;

const JSON_CT = 'application/json';
const INVALID = ['InvalidParameters'];
const BAD = ['BadRequest'];
const BAD_OR_INVALID = ['BadRequest', 'InvalidParameters'];

const e400 = (codes: string[]): HttpExpectation => ({ status: 400, codes });
const unauthorized: HttpExpectation = { status: 401, codes: ['InvalidAccessToken'] };

function taskBody(fileSets: Record<string, string[]> | undefined, params?: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ request_id: 1, payload: { ...(fileSets ? { file_sets: fileSets } : {}), actions: [{ id: 0, ...(params !== undefined ? { params } : {}) }] }, ...extra });
}

/** A body that passes the schema for this feature, pointing at the caller's own uploaded file. */
function validBody(spec: FeatureSpec): string {
  const sets = Object.fromEntries(spec.fileSets.map((s) => [s.name, ['{myFile}']]));
  return taskBody(spec.fileSets.length ? sets : undefined);
}

const CONTENT_TYPE_OF: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', heic: 'image/heic', mp4: 'video/mp4', mov: 'video/quicktime', m4v: 'video/mp4' };

const seg = (spec: FeatureSpec) => spec.segments[0];

/** Malformed JSON text, sent to every JSON endpoint. */
const MALFORMED_JSON: [string, string | Buffer][] = [
  ['truncated object', '{"request_id": 0,'],
  ['trailing comma', '{"request_id":0,}'],
  ['single quotes', "{'request_id':0}"],
  ['NaN literal', '{"request_id":NaN}'],
  ['trailing garbage', '{}garbage'],
  ['lone bracket', '['],
  ['UTF-16 encoded', Buffer.from('{"request_id":0}', 'utf16le')],
  ['invalid UTF-8 bytes', Buffer.concat([Buffer.from('{"request_id":'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('}')])],
];

/** JSON that parses but is not an object. */
const NON_OBJECT_JSON = ['null', '"a string"', '123', 'true', '[]', '[{"request_id":0}]'];

function jsonEndpoints(): { name: string; path: string }[] {
  return [
    { name: 'auth', path: '/s2s/v1.0/client/auth' },
    { name: 'file request', path: '/s2s/v1.1/file/enhance' },
    { name: 'task', path: '/s2s/v1.0/task/enhance' },
  ];
}

/** Deeply nested arrays: `levels` brackets open and close. */
const nestedArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
/** An object nested `levels` deep: {"a":{"a":…{}}}. */
const nestedObject = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

/**
 * Issue 14's findings 2 and 5: loose types, unbounded params, wrong-typed file id lists and
 * over-long requests, each answered with a 4xx inside the envelope.
 */
function issue14Cases(add: (c: Omit<HttpCase, 'kind'>) => void): void {
  const task = '/s2s/v1.0/task/color-correct';
  const body = (requestId: string, actionId = '0', fileIds = '["{myFile}"]', params?: string) =>
    `{"request_id":${requestId},"payload":{"file_sets":{"src_ids":${fileIds}},"actions":[{"id":${actionId}${params ? `,"params":${params}` : ''}}]}}`;
  const ids: [string, string][] = [
    ['true', 'true'],
    ['null', 'null'],
    ['" 1" (space)', '" 1"'],
    ['"1e3"', '"1e3"'],
    ['"0" (a string)', '"0"'],
    ['"1" (a string)', '"1"'],
    ['2^53+1', '9007199254740993'],
    ['2^63', '9223372036854775808'],
    ['-1', '-1'],
    ['1e400', '1e400'],
    ['[1]', '[1]'],
    ['{}', '{}'],
  ];
  for (const [name, v] of ids) {
    add({ group: 'strict-types', name: `request_id ${name}`, method: 'POST', path: task, auth: 'valid', body: body(v), contentType: JSON_CT, expect: e400(INVALID) });
    add({ group: 'strict-types', name: `action id ${name}`, method: 'POST', path: task, auth: 'valid', body: body('1', v), contentType: JSON_CT, expect: e400(INVALID) });
  }
  for (const [name, v] of [['"x"', '"x"'], ['a number', '1'], ['[1]', '[1]'], ['[null]', '[null]'], ['[["x"]]', '[["{myFile}"]]'], ['an object', '{"0":"{myFile}"}'], ['true', 'true']] as const) {
    add({ group: 'strict-types', name: `src_ids ${name}`, method: 'POST', path: task, auth: 'valid', body: body('1', '0', v), contentType: JSON_CT, expect: e400(INVALID) });
  }
  // Params deeper than 32 levels or with more than 64 keys; the 3 300-deep array is the issue's 6.5-KB body.
  const deep: [string, string][] = [
    ['params holding an array nested 3 300 deep', `{"x":${nestedArray(3300)}}`],
    ['params nested 33 objects deep', nestedObject(33)],
    ['params holding 65 keys', JSON.stringify(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])))],
    ['params holding 65 keys over nested objects', JSON.stringify({ a: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])), b: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])) })],
  ];
  for (const [name, params] of deep) {
    add({ group: 'bounded-params', name: `color-correct: ${name}`, method: 'POST', path: task, auth: 'valid', body: body('1', '0', '["{myFile}"]', params), contentType: JSON_CT, expect: e400(BAD_OR_INVALID) });
    add({ group: 'bounded-params', name: `text-to-image: ${name}`, method: 'POST', path: '/s2s/v1.0/task/text-to-image', auth: 'valid', body: `{"request_id":1,"payload":{"actions":[{"id":0,"params":${params}}]}}`, contentType: JSON_CT, expect: e400(BAD_OR_INVALID) });
  }
  const tooLarge = { status: 431, codes: ['HeaderFieldsTooLarge'] };
  add({ group: 'long-requests', name: 'poll with a 60 KB URL', method: 'GET', path: `${task}?task_id=${'a'.repeat(60_000)}`, auth: 'valid', expect: tooLarge });
  add({ group: 'long-requests', name: 'a 20 KB header', method: 'GET', path: '/s2s/v1.0/client/credit', auth: 'valid', headers: { 'x-padding': 'p'.repeat(20_000) }, expect: tooLarge });
  add({ group: 'long-requests', name: 'a 200-char path parameter', method: 'GET', path: `/static/styles/${'1'.repeat(200)}.png`, auth: 'none', expect: { status: 414, codes: ['UriTooLong'] } });
  add({ group: 'long-requests', name: 'a 300-char task_id', method: 'POST', path: `${task}/cancel?task_id=${'b'.repeat(300)}`, auth: 'valid', expect: e400(INVALID) });
}

function httpCases(): HttpCase[] {
  const out: HttpCase[] = [];
  const add = (c: Omit<HttpCase, 'kind'>) => out.push({ kind: 'http', ...c });

  // 1. Malformed and non-object JSON on every JSON endpoint.
  for (const ep of jsonEndpoints()) {
    const auth: AuthMode = ep.name === 'auth' ? 'none' : 'valid';
    for (const [name, body] of MALFORMED_JSON) {
      add({ group: 'malformed-json', name: `${ep.name}: ${name}`, method: 'POST', path: ep.path, auth, body, contentType: JSON_CT, expect: e400(BAD_OR_INVALID) });
    }
    for (const body of NON_OBJECT_JSON) {
      add({ group: 'malformed-json', name: `${ep.name}: top-level ${body}`, method: 'POST', path: ep.path, auth, body, contentType: JSON_CT, expect: e400(BAD_OR_INVALID) });
    }
    add({ group: 'malformed-json', name: `${ep.name}: form-encoded body`, method: 'POST', path: ep.path, auth, body: 'a=1', contentType: 'application/x-www-form-urlencoded', expect: e400(BAD) });
    // Without a JSON content type the body is not parsed, so it fails as a missing body.
    add({ group: 'malformed-json', name: `${ep.name}: no content type`, method: 'POST', path: ep.path, auth, body: '{}', contentType: '', expect: e400(BAD_OR_INVALID) });
    add({
      group: 'oversized-json',
      name: `${ep.name}: 2 MB body`,
      method: 'POST',
      path: ep.path,
      auth,
      body: `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`,
      contentType: JSON_CT,
      expect: { status: 413, codes: ['PayloadTooLarge'] },
    });
    add({
      group: 'nested-json',
      name: `${ep.name}: 10000-deep nesting`,
      method: 'POST',
      path: ep.path,
      auth,
      body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      contentType: JSON_CT,
      expect: e400(BAD_OR_INVALID),
    });
  }

  // 2. Per feature: schema violations of the task body, polls and cancels of foreign or junk ids, file requests.
  for (const spec of FEATURES) {
    const s = seg(spec);
    const task = `/s2s/v1.0/task/${s}`;
    add({ group: 'schema', name: `${s}: empty object`, method: 'POST', path: task, auth: 'valid', body: '{}', contentType: JSON_CT, expect: e400(INVALID) });
    add({ group: 'unknown-fields', name: `${s}: unknown top-level field`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace(/^\{/, '{"debug":true,'), contentType: JSON_CT, expect: e400(BAD) });
    add({ group: 'unknown-fields', name: `${s}: unknown payload field`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace('"payload":{', '"payload":{"priority":9,'), contentType: JSON_CT, expect: e400(BAD) });
    // Without its required set as well, either fault may be named first.
    add({ group: 'unknown-fields', name: `${s}: unknown file set`, method: 'POST', path: task, auth: 'valid', body: taskBody({ bogus_ids: ['{myFile}'] }), contentType: JSON_CT, expect: e400(spec.fileSets.some((f) => f.required) ? BAD_OR_INVALID : BAD) });
    add({ group: 'params', name: `${s}: request_id as float`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace('"request_id":1', '"request_id":1.5'), contentType: JSON_CT, expect: e400(INVALID) });
    add({ group: 'params', name: `${s}: request_id beyond 2^53`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace('"request_id":1', '"request_id":"123456789012345678901"'), contentType: JSON_CT, expect: e400(INVALID) });
    add({ group: 'params', name: `${s}: params is a string`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace('"actions":[{"id":0}]', '"actions":[{"id":0,"params":"scale=2"}]'), contentType: JSON_CT, expect: e400(INVALID) });
    add({ group: 'params', name: `${s}: action id negative`, method: 'POST', path: task, auth: 'valid', body: validBody(spec).replace('"actions":[{"id":0}]', '"actions":[{"id":-1}]'), contentType: JSON_CT, expect: e400(INVALID) });
    if (spec.fileSets.length) {
      const set = spec.fileSets[0].name;
      add({ group: 'tenancy', name: `${s}: another client's file id`, method: 'POST', path: task, auth: 'valid', body: taskBody({ ...Object.fromEntries(spec.fileSets.map((f) => [f.name, ['{myFile}']])), [set]: ['{otherFile}'] }), contentType: JSON_CT, expect: { status: 404, codes: ['InvalidFileId'] } });
      add({ group: 'params', name: `${s}: 17 file ids`, method: 'POST', path: task, auth: 'valid', body: taskBody({ [set]: Array.from({ length: 17 }, (_, i) => `f${i}`) }), contentType: JSON_CT, expect: e400(INVALID) });
      add({ group: 'params', name: `${s}: file id of 10 kB`, method: 'POST', path: task, auth: 'valid', body: taskBody({ [set]: ['x'.repeat(10_000)] }), contentType: JSON_CT, expect: e400(INVALID) });
      for (const v of ['v1.0', 'v1.1']) {
        add({ group: 'content-type', name: `${s}: ${v} file request for text/html`, method: 'POST', path: `/s2s/${v}/file/${s}`, auth: 'valid', body: JSON.stringify({ files: [{ content_type: 'text/html', file_name: 'x.html' }] }), contentType: JSON_CT, expect: { status: 400, codes: ['ContentTypeNotSupported'] } });
      }
      add({ group: 'params', name: `${s}: file_size as float`, method: 'POST', path: `/s2s/v1.1/file/${s}`, auth: 'valid', body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: 'a.png', file_size: 10.5 }] }), contentType: JSON_CT, expect: e400(INVALID) });
      add({ group: 'params', name: `${s}: file_size huge`, method: 'POST', path: `/s2s/v1.1/file/${s}`, auth: 'valid', body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: 'a', file_size: 1e15 }] }).replace('"image/png"', `"${CONTENT_TYPE_OF[spec.limits.formats[0]]}"`), contentType: JSON_CT, expect: { status: 413, codes: ['ExceedMaxFilesize'] } });
    } else {
      add({ group: 'schema', name: `${s}: file request for a feature without files`, method: 'POST', path: `/s2s/v1.1/file/${s}`, auth: 'valid', body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: 'a' }] }), contentType: JSON_CT, expect: { status: 404, codes: ['NotFound'] } });
    }
    add({ group: 'tenancy', name: `${s}: poll another client's task`, method: 'GET', path: `${task}?task_id={otherTask}`, auth: 'valid', expect: { status: 404, codes: ['InvalidTaskId'] } });
    add({ group: 'tenancy', name: `${s}: cancel another client's task`, method: 'POST', path: `${task}/cancel?task_id={otherTask}`, auth: 'valid', expect: { status: 404, codes: ['InvalidTaskId'] } });
    add({ group: 'params', name: `${s}: poll with a 300-char task_id`, method: 'GET', path: `${task}?task_id=${'a'.repeat(300)}`, auth: 'valid', expect: e400(INVALID) });
    add({ group: 'params', name: `${s}: poll with SQL in task_id`, method: 'GET', path: `${task}?task_id=${encodeURIComponent("' OR 1=1 --")}`, auth: 'valid', expect: { status: 404, codes: ['InvalidTaskId'] } });
  }

  // 3. Every authenticated endpoint under every kind of bad token.
  const authed: { name: string; method: string; path: string; body?: string }[] = [
    { name: 'credit', method: 'GET', path: '/s2s/v1.0/client/credit' },
    { name: 'history', method: 'GET', path: '/s2s/v1.0/client/credit/history' },
    { name: 'file request', method: 'POST', path: '/s2s/v1.1/file/enhance', body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: 'a.png' }] }) },
    { name: 'task create', method: 'POST', path: '/s2s/v1.0/task/enhance', body: taskBody({ src_ids: ['{myFile}'] }, { scale: 2 }) },
    { name: 'task poll', method: 'GET', path: '/s2s/v1.0/task/enhance?task_id={myTask}' },
    { name: 'task cancel', method: 'POST', path: '/s2s/v1.0/task/enhance/cancel?task_id={myTask}' },
    { name: 'style groups', method: 'GET', path: '/s2s/v1.0/task/style-group/hair-style' },
    { name: 'styles', method: 'GET', path: '/s2s/v1.0/task/style/hair-style?style_group_id=1' },
  ];
  const modes: AuthMode[] = ['none', 'empty-bearer', 'basic', 'unknown', 'expired', 'revoked', 'duplicated', 'oversized', 'admin-token'];
  for (const ep of authed) {
    for (const auth of modes) {
      add({ group: 'tokens', name: `${ep.name}: ${auth} token`, method: ep.method, path: ep.path, auth, body: ep.body, contentType: ep.body ? JSON_CT : undefined, expect: unauthorized });
    }
  }

  // 4. Admin API without a session.
  for (const [method, p] of [
    ['GET', '/admin/v1/keys'],
    ['POST', '/admin/v1/keys'],
    ['GET', '/admin/v1/tasks'],
    ['GET', '/admin/v1/features'],
    ['POST', '/admin/v1/keys/{otherClient}/revoke'],
    ['POST', '/admin/v1/keys/{otherClient}/credits'],
    ['GET', '/admin/v1/keys/{otherClient}/credits'],
  ] as const) {
    for (const auth of ['none', 'valid'] as const) {
      add({ group: 'tokens', name: `admin ${method} ${p} with ${auth === 'valid' ? 'a client token' : 'no token'}`, method, path: p, auth, body: method === 'POST' ? (p.endsWith('/credits') ? '{"amount":1000}' : '{}') : undefined, contentType: method === 'POST' ? JSON_CT : undefined, expect: unauthorized });
    }
  }
  add({ group: 'tokens', name: 'admin login with a wrong password', method: 'POST', path: '/admin/v1/login', auth: 'none', body: '{"password":"guess"}', contentType: JSON_CT, expect: unauthorized });
  add({ group: 'params', name: 'admin login with a 10 kB password', method: 'POST', path: '/admin/v1/login', auth: 'none', body: JSON.stringify({ password: 'p'.repeat(10_000) }), contentType: JSON_CT, expect: e400(INVALID) });

  issue14Cases(add);

  // 5. Auth exchange: wrong types and junk tokens.
  const authPath = '/s2s/v1.0/client/auth';
  const authBodies: [string, unknown, HttpExpectation][] = [
    ['client_id as number', { client_id: 5, id_token: 'x' }, { status: 401, codes: ['InvalidIdToken'] }],
    ['id_token as object', { client_id: '{otherClient}', id_token: { a: 1 } }, e400(INVALID)],
    ['empty strings', { client_id: '', id_token: '' }, e400(INVALID)],
    ['id_token of 5000 chars', { client_id: '{otherClient}', id_token: 'A'.repeat(5000) }, e400(INVALID)],
    ['id_token not base64', { client_id: '{otherClient}', id_token: '<script>alert(1)</script>' }, { status: 401, codes: ['InvalidIdToken'] }],
    ['forged id_token (random bytes)', { client_id: '{otherClient}', id_token: Buffer.alloc(128, 0x5a).toString('base64') }, { status: 401, codes: ['InvalidIdToken'] }],
    ['unknown client', { client_id: 'no-such-client', id_token: Buffer.alloc(128, 1).toString('base64') }, { status: 401, codes: ['InvalidIdToken'] }],
    ['client_id with path traversal', { client_id: '../../secrets/master.key', id_token: 'AAAA' }, { status: 401, codes: ['InvalidIdToken'] }],
    ['extra field', { client_id: 'a', id_token: 'b', scope: 'admin' }, e400(BAD)],
  ];
  for (const [name, body, expect] of authBodies) add({ group: 'auth-exchange', name: `auth: ${name}`, method: 'POST', path: authPath, auth: 'none', body: JSON.stringify(body), contentType: JSON_CT, expect });

  // 6. Query strings of the credit and style endpoints.
  const queries: [string, string, HttpExpectation][] = [
    ['history page_size=-1', '/s2s/v1.0/client/credit/history?page_size=-1', e400(INVALID)],
    ['history page_size=1.5', '/s2s/v1.0/client/credit/history?page_size=1.5', e400(INVALID)],
    ['history page_size=1e3', '/s2s/v1.0/client/credit/history?page_size=1e3', e400(INVALID)],
    ['history page_size=abc', '/s2s/v1.0/client/credit/history?page_size=abc', e400(INVALID)],
    ['history starting_token=-5', '/s2s/v1.0/client/credit/history?starting_token=-5', e400(INVALID)],
    ['history starting_token of 40 digits', `/s2s/v1.0/client/credit/history?starting_token=${'9'.repeat(40)}`, e400(INVALID)],
    ['history unknown query field', '/s2s/v1.0/client/credit/history?admin=1', e400(BAD)],
    ['style group id negative', '/s2s/v1.0/task/style/hair-style?style_group_id=-1', e400(INVALID)],
    ['style group id text', '/s2s/v1.0/task/style/hair-style?style_group_id=abc', e400(INVALID)],
    ['style group id unknown', '/s2s/v1.0/task/style/hair-style?style_group_id=987654321', { status: 400, codes: ['InvalidStyleGroup'] }],
    ['style without group', '/s2s/v1.0/task/style/hair-style', e400(INVALID)],
    ['style groups page_size=0', '/s2s/v1.0/task/style-group/text-to-image?page_size=0', e400(INVALID)],
    ['poll with task_id twice', '/s2s/v1.0/task/enhance?task_id={myTask}&task_id={myTask}', e400(INVALID)],
  ];
  for (const [name, p, expect] of queries) add({ group: 'query', name, method: 'GET', path: p, auth: 'valid', expect });

  // 7. File names: unusual but harmless names are accepted and never used as a storage path.
  const names: [string, string | Buffer][] = [
    ['path traversal', '../../../../etc/passwd'],
    ['windows traversal', '..\\..\\windows\\win.ini'],
    ['absolute path', '/var/lib/darkroom/secrets/master.key'],
    ['NUL byte', 'a\u0000.png'],
    ['right-to-left override', 'photo\u202Egnp.exe'],
    ['header injection', 'a.png"\r\nSet-Cookie: x=1'],
  ];
  for (const [name, fileName] of names) {
    add({
      group: 'file-names',
      name: `file name: ${name}`,
      method: 'POST',
      path: '/s2s/v1.1/file/color-correct',
      auth: 'valid',
      body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: fileName, file_size: 100 }] }),
      contentType: JSON_CT,
      expect: { status: 200 },
      check: 'file-name-inert',
    });
  }
  add({
    group: 'file-names',
    name: 'file name: invalid UTF-8 bytes',
    method: 'POST',
    path: '/s2s/v1.1/file/color-correct',
    auth: 'valid',
    body: Buffer.concat([Buffer.from('{"files":[{"content_type":"image/png","file_name":"'), Buffer.from([0xc3, 0x28, 0xff, 0x2e, 0x70, 0x6e, 0x67]), Buffer.from('","file_size":100}]}')]),
    contentType: JSON_CT,
    expect: { status: 200 },
    check: 'file-name-inert',
  });
  add({ group: 'file-names', name: 'file name of 256 chars', method: 'POST', path: '/s2s/v1.1/file/color-correct', auth: 'valid', body: JSON.stringify({ files: [{ content_type: 'image/png', file_name: 'n'.repeat(256) }] }), contentType: JSON_CT, expect: e400(INVALID) });
  add({ group: 'params', name: 'file request with 11 files', method: 'POST', path: '/s2s/v1.1/file/color-correct', auth: 'valid', body: JSON.stringify({ files: Array.from({ length: 11 }, () => ({ content_type: 'image/png', file_name: 'a' })) }), contentType: JSON_CT, expect: e400(INVALID) });

  // 8. Storage URLs without a valid signature, including traversal out of the storage root.
  const storage: [string, string, string][] = [
    ['GET', 'unsigned download of my upload', '/storage/{myFileKey}'],
    ['GET', 'download with a forged signature', '/storage/{myFileKey}?expires=99999999999999&sig=AAAA'],
    ['GET', 'download of another client result with my result signature', '/storage/{otherResultKey}?{myResultQuery}'],
    ['GET', 'traversal to the master key', '/storage/..%2f..%2fsecrets%2fmaster.key?expires=99999999999999&sig=AAAA'],
    ['GET', 'traversal to the database', '/storage/uploads%2f..%2f..%2fdarkroom.db?expires=99999999999999&sig=AAAA'],
    ['PUT', 'unsigned upload', '/storage/uploads/zz/new.png'],
    ['PUT', 'upload with a non-numeric expiry', '/storage/uploads/zz/new.png?expires=tomorrow&sig=AAAA'],
  ];
  for (const [method, name, p] of storage) {
    add({ group: 'signatures', name: `storage: ${name}`, method, path: p, auth: 'none', body: method === 'PUT' ? Buffer.from('x') : undefined, contentType: method === 'PUT' ? 'image/png' : undefined, expect: { status: 403, codes: ['InvalidSignature'] } });
  }
  return out;
}

function uploadCases(m: Media): UploadCase[] {
  const out: UploadCase[] = [];
  const add = (c: Omit<UploadCase, 'kind'>) => out.push({ kind: 'upload', ...c });
  const notSupported: HttpExpectation = { status: 400, codes: ['ContentTypeNotSupported'] };
  // Zero-byte files of every type.
  for (const [feature, ct] of [['color-correct', 'image/jpeg'], ['color-correct', 'image/png'], ['enhance', 'image/heic'], ['video-sr', 'video/mp4']] as const) {
    add({ group: 'zero-byte', name: `zero-byte ${ct}`, feature, contentType: ct, data: Buffer.alloc(0), tamper: 'none', expect: notSupported });
  }
  // Bytes that do not match the declared type.
  const mismatches: [string, string, Buffer, string][] = [
    ['color-correct', 'image/jpeg', m.png, 'PNG declared as JPEG'],
    ['color-correct', 'image/png', m.jpg, 'JPEG declared as PNG'],
    ['enhance', 'image/jpeg', m.heic, 'HEIC declared as JPEG'],
    ['enhance', 'image/heic', m.jpg, 'JPEG declared as HEIC'],
    ['color-correct', 'image/png', m.mp4, 'MP4 declared as PNG'],
    ['video-sr', 'video/mp4', m.jpg, 'JPEG declared as MP4'],
    ['color-correct', 'image/png', Buffer.from('<html><script>alert(1)</script></html>'), 'HTML declared as PNG'],
    ['color-correct', 'image/jpeg', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), 'PDF declared as JPEG'],
    ['color-correct', 'image/png', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'GIF declared as PNG'],
    ['color-correct', 'image/png', Buffer.from([0x89, 0x50, 0x4e]), 'first 3 bytes of a PNG'],
  ];
  for (const [feature, ct, data, name] of mismatches) add({ group: 'content-mismatch', name, feature, contentType: ct, data, tamper: 'none', expect: notSupported });
  // Forged, altered and expired signatures.
  const sigs: [UploadTamper, HttpExpectation][] = [
    ['sig', { status: 403, codes: ['InvalidSignature'] }],
    ['expires-later', { status: 403, codes: ['InvalidSignature'] }],
    ['expired', { status: 403, codes: ['UrlExpired'] }],
    ['other-key', { status: 403, codes: ['InvalidSignature'] }],
    ['no-sig', { status: 403, codes: ['InvalidSignature'] }],
    ['expires-not-number', { status: 403, codes: ['InvalidSignature'] }],
    ['traversal-key', { status: 403, codes: ['InvalidSignature'] }],
    ['content-type', { status: 403, codes: ['InvalidSignature'] }],
    ['length-mismatch', { status: 400, codes: ['InvalidParameters', 'BadRequest'] }],
  ];
  for (const [tamper, expect] of sigs) add({ group: 'signatures', name: `upload URL: ${tamper}`, feature: 'color-correct', contentType: 'image/png', data: m.photo, tamper, expect });
  return out;
}

function taskCases(m: Media): TaskCase[] {
  const out: TaskCase[] = [];
  const add = (c: Omit<TaskCase, 'kind'>) => out.push({ kind: 'task', ...c });
  const src = (data: Buffer, contentType: string): TaskInput => ({ set: 'src_ids', data, contentType });
  const maskOf = (data: Buffer, contentType = 'image/png'): TaskInput => ({ set: 'mask_ids', data, contentType });
  const fractions = [0.02, 0.3, 0.6, 0.97];
  for (const f of fractions) {
    add({ group: 'truncated', name: `JPEG cut to ${f * 100}%`, feature: 'color-correct', inputs: [src(truncated(m.jpg, f), 'image/jpeg')], expect: { taskError: 'error_decode_image' } });
    add({ group: 'truncated', name: `PNG cut to ${f * 100}%`, feature: 'color-correct', inputs: [src(truncated(m.png, f), 'image/png')], expect: { taskError: 'error_decode_image' } });
    add({ group: 'truncated', name: `HEIC cut to ${f * 100}%`, feature: 'obj-removal', inputs: [src(truncated(m.heic, f), 'image/heic'), maskOf(m.maskOk)], expect: { taskError: 'error_decode_image' } });
  }
  // A small PNG cut only inside its last chunk (IEND) still holds every pixel, so masks are cut inside the image data.
  for (const f of [0.3, 0.6, 0.8]) {
    add({ group: 'truncated', name: `mask PNG cut to ${f * 100}%`, feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(truncated(m.maskOk, f))], expect: { taskError: 'error_decode_mask' } });
  }
  for (const f of [0.02, 0.3, 0.6, 0.9]) {
    add({ group: 'truncated', name: `MP4 cut to ${f * 100}%`, feature: 'video-sr', inputs: [src(truncated(m.mp4, f), 'video/mp4')], expect: { taskError: 'error_decode_image' } });
  }
  add({ group: 'truncated', name: 'makeup reference JPEG cut to 50%', feature: 'mu-trans-rec', inputs: [src(m.jpg, 'image/jpeg'), { set: 'ref_ids', data: truncated(m.jpg, 0.5), contentType: 'image/jpeg' }], expect: { taskError: 'error_decode_image' } });

  // Decompression bombs and oversize dimensions.
  add({ group: 'bombs', name: 'PNG declaring 30000x30000 as photo', feature: 'color-correct', inputs: [src(m.bomb, 'image/png')], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'bombs', name: 'PNG declaring 30000x30000 as mask', feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(m.bomb)], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'bombs', name: 'PNG declaring 30000x30000 for enhance x4', feature: 'enhance', inputs: [src(m.bomb, 'image/png')], params: { scale: 4 }, expect: { taskError: 'invalid_parameter' } });
  add({ group: 'bombs', name: 'PNG declaring 30000x30000 for the extender', feature: 'out-paint', inputs: [src(m.bomb, 'image/png')], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'bombs', name: 'PNG 5000 px long', feature: 'color-correct', inputs: [src(m.tooLong, 'image/png')], expect: { taskError: 'invalid_parameter' } });

  // Masks of the wrong size or colour model.
  add({ group: 'masks', name: 'mask half the photo size', feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(m.maskWrongSize)], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'masks', name: 'colour photo as mask', feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(m.maskColour)], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'masks', name: 'all-black mask', feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(m.maskEmpty)], expect: { taskError: 'invalid_parameter' } });
  add({ group: 'masks', name: 'HEIC as mask', feature: 'obj-removal', inputs: [src(m.photo, 'image/png'), maskOf(m.heic, 'image/heic')], expect: { taskError: 'error_decode_mask' } });

  // Params of the wrong type, sign or size.
  const photo = [src(m.photo, 'image/png')];
  const engineParam = (feature: string, params: Record<string, unknown>, inputs = photo) =>
    add({ group: 'params', name: `${feature} params ${JSON.stringify(params).slice(0, 60)}`, feature, inputs, params, expect: { taskError: 'invalid_parameter' } });
  const schemaParam = (feature: string, params: Record<string, unknown>, inputs = photo) =>
    add({ group: 'params', name: `${feature} params ${JSON.stringify(params).slice(0, 60)}`, feature, inputs, params, expect: { http: e400(INVALID) } });
  for (const scale of [-1, 0, 3, 8, 1e300, '3']) engineParam('enhance', { scale });
  schemaParam('enhance', { scale: '2x' });
  engineParam('enhance', {});
  schemaParam('enhance', { scale: 1.5 });
  schemaParam('enhance', { scale: [2, 4] });
  schemaParam('enhance', { scale: { value: 2 } });
  engineParam('out-paint', { output_width: -100, output_height: 64 });
  engineParam('out-paint', { output_width: 1_000_000, output_height: 1_000_000, input_x: 0, input_y: 0, input_width: 96, input_height: 64 });
  engineParam('out-paint', { output_width: 200, output_height: 200, input_x: 150, input_y: 0, input_width: 96, input_height: 64 });
  engineParam('out-paint', { output_width: 200, output_height: 200, crop_input_x: 50, crop_input_y: 0, crop_input_width: 96, crop_input_height: 64 });
  schemaParam('out-paint', { output_width: 200.5, output_height: 200 });
  schemaParam('out-paint', { output_width: '200px', output_height: 200 });
  const mp4 = [src(m.mp4, 'video/mp4')];
  for (const d of [-1, 0, 1.5, 1e9]) engineParam('video-sr', { dst_duration: d }, mp4);
  schemaParam('video-sr', { dst_duration: 'abc' }, mp4);
  engineParam('text-to-image', {}, []);
  engineParam('text-to-image', { prompt: '   ' }, []);
  // One prompt limit (5000 characters), a value rule: a task error, answered at creation.
  engineParam('text-to-image', { prompt: 'p'.repeat(5001), style_group_id: 1001, style_ids: [100101] }, []);
  schemaParam('text-to-image', { prompt: { text: 'a cat' } }, []);
  schemaParam('face-swap', { face_mapping: [{ index: 'zero', position: 0 }] }, [src(m.photo, 'image/png'), { set: 'ref_ids', data: m.photo, contentType: 'image/png' }]);
  schemaParam('face-swap', { face_mapping: Array.from({ length: 33 }, () => ({ index: 0, position: 0 })) }, [src(m.photo, 'image/png'), { set: 'ref_ids', data: m.photo, contentType: 'image/png' }]);
  schemaParam('bg-blur', { blur_strength: 'max' });
  return out;
}

/** Builds the whole corpus from the shared test photos. */
export async function buildCorpus(): Promise<BadInputCase[]> {
  const media = await loadMedia();
  return [...httpCases(), ...uploadCases(media), ...taskCases(media)];
}
