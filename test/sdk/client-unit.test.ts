/** Request shapes, token caching, retries and aborts against a scripted fake server (no network). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { AbortError, ApiError, Client, NetworkError, TaskError, type ClientOptions } from '../../sdk/src/index.js';
import { fakeFetch, ok, type Handler, type Logged } from './fake-server.js';
import { makeKeyPair } from './keys.js';

const keys = makeKeyPair(1024);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const JPG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 9]);

/** A minimal well-behaved server: auth, file request, PUT, task create, one running poll then success. */
function server(overrides: (req: Logged) => [number, unknown, Record<string, string>?] | undefined = () => undefined) {
  let tokens = 0;
  let files = 0;
  const polls = new Map<string, number>();
  const handler: Handler = (req) => {
    const o = overrides(req);
    if (o) return o;
    const p = req.url.pathname;
    if (p === '/s2s/v1.0/client/auth') return ok({ access_token: `tok${++tokens}`, expires_in: 7200 });
    if (p.startsWith('/s2s/v1.1/file/')) {
      const f = JSON.parse(req.body!).files[0];
      return ok({ files: [{ ...f, file_id: `file${++files}`, requests: [{ method: 'PUT', url: `http://up.example/put/${files}`, headers: { 'Content-Type': f.content_type, 'Content-Length': String(f.file_size) } }] }] });
    }
    if (p.startsWith('/put/')) return [200, ''];
    if (p === '/s2s/v1.0/client/credit') return [200, { status: 200, results: [{ id: 1, type: 'PaygToken', amount: 3, expiry: 0 }] }];
    if (p.endsWith('/cancel')) return [404, { status: 404, error: 'not found', error_code: 'NotFound' }];
    if (req.method === 'POST' && p.startsWith('/s2s/v1.0/task/')) return ok({ task_id: `task-${JSON.parse(req.body!).request_id}` });
    if (req.method === 'GET' && p.startsWith('/s2s/v1.0/task/')) {
      const id = req.url.searchParams.get('task_id')!;
      const n = (polls.get(id) ?? 0) + 1;
      polls.set(id, n);
      if (n < 2) return ok({ polling_interval: 30000, status: 'running', error: null, error_message: null, results: [], progress: 0.5 });
      return ok({ polling_interval: 1000, status: 'success', error: null, error_message: null, results: [{ id: 0, data: [{ dst_id: 'dst1', url: 'http://dl.example/r.png' }] }] });
    }
    if (p === '/r.png') return [200, 'PNGDATA'];
    return [404, { status: 404, error: 'not found', error_code: 'NotFound' }];
  };
  return handler;
}

function client(handler: Handler, extra: Partial<ClientOptions> = {}) {
  const { fetch, log } = fakeFetch(handler);
  const sleeps: number[] = [];
  const c = new Client({
    baseUrl: 'http://api.example/', clientId: 'cid', clientSecret: keys.clientSecret, fetch,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
    random: () => 0.5,
    ...extra,
  });
  return { c, log, sleeps };
}

test('run sends the wire shapes: auth, v1.1 file request, PUT with the returned headers, task, polls', async () => {
  const { c, log, sleeps } = client(server());
  const progress: string[] = [];
  const r = await c.run('enhance', { src: PNG, params: { scale: 2 }, outputExt: 'png' }, { onProgress: (p) => progress.push(p.stage) });

  const [auth, fileReq, put, create, poll1, poll2] = log;
  assert.equal(auth.url.pathname, '/s2s/v1.0/client/auth');
  const authBody = JSON.parse(auth.body!);
  assert.equal(authBody.client_id, 'cid');
  const plain = forge.pki.privateKeyFromPem(keys.privateKeyPem).decrypt(forge.util.decode64(authBody.id_token), 'RSAES-PKCS1-V1_5');
  assert.match(plain, /^client_id=cid&timestamp=\d{13}$/);
  assert.equal(auth.headers.authorization, undefined);

  assert.equal(fileReq.url.pathname, '/s2s/v1.1/file/enhance');
  assert.equal(fileReq.headers.authorization, 'Bearer tok1');
  assert.deepEqual(JSON.parse(fileReq.body!), { files: [{ content_type: 'image/png', file_name: 'upload.png', file_size: PNG.byteLength }] });

  assert.equal(put.method, 'PUT');
  assert.equal(put.url.href, 'http://up.example/put/1');
  assert.equal(put.headers['content-type'], 'image/png');
  assert.equal(put.headers['content-length'], String(PNG.byteLength));
  assert.equal(put.headers.authorization, undefined);
  assert.deepEqual([...put.bytes!], [...PNG]);

  assert.equal(create.url.pathname, '/s2s/v1.0/task/enhance');
  assert.deepEqual(JSON.parse(create.body!), {
    request_id: 0,
    payload: { file_sets: { src_ids: ['file1'] }, actions: [{ id: 0, params: { scale: 2 } }], output_ext: 'png' },
  });
  assert.equal(poll1.url.search, '?task_id=task-0');
  assert.equal(poll2.url.search, '?task_id=task-0');
  // The server asked for 30 s; the client must poll within the 10-s limit.
  assert.deepEqual(sleeps, [8000]);
  assert.deepEqual(progress, ['upload', 'upload', 'created', 'running', 'done']);

  assert.equal(r.taskId, 'task-0');
  assert.equal(r.requestId, 0);
  assert.equal(r.outputs[0].dstId, 'dst1');
  assert.equal(new TextDecoder().decode(await r.download()), 'PNGDATA');
});

test('request_id counts up per client; file sets follow the feature (mask_ids, msk_ids, ref_ids); a file id skips upload', async () => {
  const { c, log } = client(server());
  await c.run('obj-removal', { src: JPG, mask: PNG });
  await c.run('obj-replace', { src: { fileId: 'prev-dst' }, mask: { data: PNG, fileName: 'm.png' }, params: { prompt: 'a cat' } });
  await c.run('face-swap', { src: JPG, ref: [JPG, PNG], params: { face_mapping: [{ index: 1, position: 0 }] } });
  await c.run('text-to-image', { params: { prompt: 'x', style_group_id: '123456789012345678', style_ids: [7] } });
  const creates = log.filter((r) => r.method === 'POST' && r.url.pathname.startsWith('/s2s/v1.0/task/')).map((r) => r.body!);
  assert.deepEqual(JSON.parse(creates[0]), { request_id: 0, payload: { file_sets: { src_ids: ['file1'], mask_ids: ['file2'] }, actions: [{ id: 0 }] } });
  assert.deepEqual(JSON.parse(creates[1]).payload.file_sets, { src_ids: ['prev-dst'], msk_ids: ['file3'] });
  assert.equal(JSON.parse(creates[1]).request_id, 1);
  assert.deepEqual(JSON.parse(creates[2]).payload.file_sets, { src_ids: ['file4'], ref_ids: ['file5', 'file6'] });
  // text-to-image has no file sets; a style id beyond 2^53 goes out as an exact JSON number.
  assert.equal(creates[3], '{"request_id":3,"payload":{"actions":[{"id":0,"params":{"prompt":"x","style_group_id":123456789012345678,"style_ids":[7]}}]}}');
  const fileReqs = log.filter((r) => r.url.pathname.startsWith('/s2s/v1.1/file/')).map((r) => r.url.pathname);
  assert.deepEqual(fileReqs, ['/s2s/v1.1/file/obj-removal', '/s2s/v1.1/file/obj-removal', '/s2s/v1.1/file/obj-replace', '/s2s/v1.1/file/face-swap', '/s2s/v1.1/file/face-swap', '/s2s/v1.1/file/face-swap']);
});

test('missing inputs or params are caught before any request', async () => {
  const { c, log } = client(server());
  await assert.rejects(c.run('obj-removal', { src: JPG } as never), /needs a mask input/);
  await assert.rejects(c.run('color-correct', { src: JPG, ref: JPG }), /takes no ref input/);
  await assert.rejects(c.run('enhance', { src: JPG } as never), /needs params: scale/);
  assert.equal(log.length, 0);
});

test('the token is cached, refreshed before expiry by the injected clock, and re-fetched once on 401', async () => {
  let now = 1_000_000;
  let revoke = false;
  const { c, log } = client(server((req) => {
    if (revoke && req.headers.authorization === 'Bearer tok1') return [401, { status: 401, error: 'Unauthorized', error_code: 'InvalidAccessToken' }];
    return undefined;
  }), { now: () => now });
  await c.credits();
  await c.credits();
  now += 60 * 60 * 1000; // 1 h: still fresh
  await c.credits();
  assert.equal(log.filter((r) => r.url.pathname.endsWith('/auth')).length, 1);
  now += 56 * 60 * 1000; // 1 h 56 min: inside the 5-min refresh margin
  await c.credits();
  assert.equal(log.filter((r) => r.url.pathname.endsWith('/auth')).length, 2);
  const authTimestamps = log.filter((r) => r.url.pathname.endsWith('/auth')).map((r) =>
    forge.pki.privateKeyFromPem(keys.privateKeyPem).decrypt(forge.util.decode64(JSON.parse(r.body!).id_token), 'RSAES-PKCS1-V1_5'));
  assert.deepEqual(authTimestamps, ['client_id=cid&timestamp=1000000', `client_id=cid&timestamp=${1_000_000 + 116 * 60 * 1000}`]);

  // A server-side revocation: one 401, one re-auth, then success.
  const { c: c2, log: log2 } = client(server((req) => {
    if (revoke && req.headers.authorization === 'Bearer tok1') return [401, { status: 401, error: 'Unauthorized', error_code: 'InvalidAccessToken' }];
    return undefined;
  }));
  await c2.credits();
  revoke = true;
  await c2.credits();
  assert.deepEqual(log2.map((r) => `${r.url.pathname} ${r.headers.authorization ?? ''}`), [
    '/s2s/v1.0/client/auth ', '/s2s/v1.0/client/credit Bearer tok1',
    '/s2s/v1.0/client/credit Bearer tok1', '/s2s/v1.0/client/auth ', '/s2s/v1.0/client/credit Bearer tok2',
  ]);
});

test('a persistent 401 surfaces as ApiError after one re-auth', async () => {
  const { c, log } = client(server((req) => (req.url.pathname.endsWith('/credit') ? [401, { status: 401, error: 'Unauthorized', error_code: 'InvalidAccessToken' }] : undefined)));
  await assert.rejects(c.credits(), (e: unknown) => e instanceof ApiError && e.status === 401 && e.code === 'InvalidAccessToken');
  assert.equal(log.filter((r) => r.url.pathname.endsWith('/auth')).length, 2);
});

test('429 is retried with exponential backoff, honouring Retry-After; the body keeps its request_id', async () => {
  let creates = 0;
  const { c, log, sleeps } = client(server((req) => {
    if (req.method === 'POST' && req.url.pathname === '/s2s/v1.0/task/color-correct' && ++creates <= 3) {
      return creates === 3 ? [429, { status: 429, error: 'Too many requests' }, { 'retry-after': '3' }] : [429, { status: 429, error: 'Too many requests' }];
    }
    return undefined;
  }), { retry: { baseDelayMs: 100, maxDelayMs: 5000, retries: 5 } });
  await c.run('color-correct', { src: JPG });
  // random()=0.5 → factor 0.75: 75, 150, then Retry-After 3 s beats 300; then the 30-s poll interval capped at 8 s.
  assert.deepEqual(sleeps, [75, 150, 3000, 8000]);
  const bodies = log.filter((r) => r.method === 'POST' && r.url.pathname === '/s2s/v1.0/task/color-correct').map((r) => JSON.parse(r.body!).request_id);
  assert.deepEqual(bodies, [0, 0, 0, 0]);
});

test('429 beyond the retry budget is an ApiError TooManyRequests', async () => {
  const { c, sleeps } = client(server((req) => (req.url.pathname.endsWith('/credit') ? [429, { status: 429, error: 'Too many requests' }] : undefined)), { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 100 } });
  await assert.rejects(c.credits(), (e: unknown) => e instanceof ApiError && e.status === 429 && e.code === 'TooManyRequests');
  assert.deepEqual(sleeps, [8, 15]);
});

test('a dropped connection on task creation is retried with the same request_id', async () => {
  const handler = server();
  let dropped = false;
  const { fetch, log } = fakeFetch(handler);
  const dropping: typeof globalThis.fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!dropped && init?.method === 'POST' && String(input).includes('/task/')) {
      dropped = true;
      throw new TypeError('fetch failed');
    }
    return res;
  };
  const c = new Client({ baseUrl: 'http://api.example', clientId: 'cid', clientSecret: keys.clientSecret, fetch: dropping, sleep: async () => {} });
  const r = await c.run('sod', { src: PNG });
  const creates = log.filter((x) => x.method === 'POST' && x.url.pathname === '/s2s/v1.0/task/sod').map((x) => x.body);
  assert.equal(creates.length, 2);
  assert.equal(creates[0], creates[1]);
  assert.equal(r.requestId, 0);
  // The next run takes the next id.
  assert.equal((await c.run('sod', { src: PNG })).requestId, 1);
});

test('network failure past the retry budget is a NetworkError', async () => {
  const c = new Client({
    baseUrl: 'http://api.example', clientId: 'cid', clientSecret: keys.clientSecret, sleep: async () => {}, retry: { retries: 2 },
    fetch: async () => { throw new TypeError('fetch failed'); },
  });
  await assert.rejects(c.credits(), NetworkError);
});

test('a failed task throws TaskError with the engine code', async () => {
  const { c } = client(server((req) => (req.method === 'GET' && req.url.pathname === '/s2s/v1.0/task/hair-style'
    ? ok({ polling_interval: 500, status: 'error', error: 'error_no_face', error_message: 'No face detected', results: [] }) : undefined)));
  await assert.rejects(c.run('hair-style', { src: JPG, params: { style_group_id: 1, style_ids: [2] } }),
    (e: unknown) => e instanceof TaskError && e.code === 'error_no_face' && e.message === 'No face detected' && e.taskId === 'task-0');
});

test('HTTP errors carry status and error_code', async () => {
  const { c } = client(server((req) => (req.method === 'POST' && req.url.pathname.startsWith('/s2s/v1.0/task/')
    ? [400, { status: 400, error: 'not enough credits', error_code: 'CreditInsufficiency' }] : undefined)));
  await assert.rejects(c.run('colorize', { src: JPG }), (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === 'CreditInsufficiency' && e.message === 'not enough credits');
});

test('aborting while polling cancels the task on the server and throws AbortError', async () => {
  const ac = new AbortController();
  const { c, log } = client(server((req) => {
    if (req.method === 'GET' && req.url.pathname === '/s2s/v1.0/task/lighting') {
      ac.abort();
      return ok({ polling_interval: 1000, status: 'running', results: [] });
    }
    if (req.url.pathname === '/s2s/v1.0/task/lighting/cancel') return ok({});
    return undefined;
  }));
  await assert.rejects(c.run('lighting', { src: JPG }, { signal: ac.signal }), (e: unknown) => e instanceof AbortError && e.name === 'AbortError' && e.taskId === 'task-0');
  const cancel = log.find((r) => r.url.pathname.endsWith('/cancel'))!;
  assert.equal(cancel.method, 'POST');
  assert.equal(cancel.url.searchParams.get('task_id'), 'task-0');
});

test('abort against a server without the cancel extension still throws AbortError', async () => {
  const ac = new AbortController();
  const { c } = client(server((req) => {
    if (req.method === 'GET' && req.url.pathname === '/s2s/v1.0/task/lighting') {
      ac.abort();
      return ok({ polling_interval: 1000, status: 'running', results: [] });
    }
    return undefined; // cancel → 404
  }));
  await assert.rejects(c.run('lighting', { src: JPG }, { signal: ac.signal }), AbortError);
  assert.equal(await c.cancel('lighting', 'whatever'), false);
});

test('history and styles page through next_token; credits read `results`; huge ids survive as strings', async () => {
  const { c, log } = client(server((req) => {
    const p = req.url.pathname;
    const tok = req.url.searchParams.get('starting_token');
    if (p === '/s2s/v1.0/client/credit') return [200, '{"status":200,"results":[{"id":12345678901234567890,"type":"PaygToken","amount":5,"expiry":1}]}'];
    if (p === '/s2s/v1.0/client/credit/history') {
      return tok === null ? ok({ next_token: 'p2', history: [{ id: 1 }, { id: 2 }] }) : ok({ history: [{ id: 3 }] });
    }
    if (p === '/s2s/v1.0/task/style-group/hair-style') return ok({ groups: [{ id: 9, info: { title: 'Short' } }] });
    if (p === '/s2s/v1.0/task/style/hair-style') return ok({ styles: [{ id: Number(req.url.searchParams.get('style_group_id')) * 10, info: { title: 'Bob', thumb: 'u' } }], next_token: '' });
    return undefined;
  }));
  const credits = await c.credits();
  assert.equal(credits[0].id, '12345678901234567890');
  assert.equal(await c.balance(), 5);
  const ids: unknown[] = [];
  for await (const h of c.history({ pageSize: 2 })) ids.push(h.id);
  assert.deepEqual(ids, [1, 2, 3]);
  const historyCalls = log.filter((r) => r.url.pathname.endsWith('/history')).map((r) => r.url.search);
  assert.deepEqual(historyCalls, ['?page_size=2', '?page_size=2&starting_token=p2']);
  const pages: number[] = [];
  for await (const page of c.historyPages({ pageSize: 2 })) pages.push(page.items.length);
  assert.deepEqual(pages, [2, 1]);
  const groups = [];
  for await (const g of c.styleGroups('hair-style')) groups.push(g);
  assert.deepEqual(groups, [{ id: 9, info: { title: 'Short' } }]);
  const styles = [];
  for await (const s of c.styles('hair-style', 9)) styles.push(s.id);
  assert.deepEqual(styles, [90]);
});

test('feature aliases map to the canonical segment', async () => {
  const { c, log } = client(server());
  await c.upload('colorize/color-correct', JPG);
  assert.equal(log[1].url.pathname, '/s2s/v1.1/file/color-correct');
  assert.deepEqual(JSON.parse(log[1].body!).files[0].content_type, 'image/jpeg');
  await c.upload('mu-transfer', new Blob([JPG], { type: 'image/jpg' }), { fileName: 'face.jpg' });
  assert.deepEqual(JSON.parse(log[3].body!), { files: [{ content_type: 'image/jpg', file_name: 'face.jpg', file_size: JPG.byteLength }] });
  assert.equal(log[3].url.pathname, '/s2s/v1.1/file/mu-trans-rec');
});
