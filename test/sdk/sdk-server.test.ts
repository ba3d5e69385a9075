/**
 * The SDK against a real Darkroom (started by the shared harness): features end to end, token
 * refresh on an injected clock, retries that are charged once, 429 backoff, abort → cancel.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { AbortError, ApiError, Client, TaskError, type ClientOptions, type FeatureId, type HistoryEntry, type RunInput } from '../../sdk/src/index.js';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';

const ARTIFACTS = 'artifacts/sdk';
mkdirSync(ARTIFACTS, { recursive: true });

let server: TestServer;
before(async () => {
  // The hand-driven clock is shared with the SDK; a wide id_token window lets a client whose clock
  // lags re-authenticate after the server expired its token.
  server = await startTestServer({ auth: { idTokenWindowMs: 3 * 3600_000 } }, { manualClock: true });
});
after(async () => server?.close());

interface Wire { method: string; path: string; body?: string; status?: number }

/** A key with credits, and an SDK client whose fetch is logged (and optionally tampered with). */
async function sdkClient(credits = 50, opts: Partial<ClientOptions> = {}, tamper?: (w: Wire, res: Response) => Promise<void>) {
  const key = await server.newClient(credits);
  // The harness client just authenticated at this instant; an id_token is single-use.
  server.clock!.advance(1);
  const wire: Wire[] = [];
  const fetchLogged: typeof fetch = async (input, init) => {
    const u = new URL(String(input));
    const w: Wire = { method: init?.method ?? 'GET', path: u.pathname, body: typeof init?.body === 'string' ? init.body : undefined };
    wire.push(w);
    const res = await fetch(input, init);
    w.status = res.status;
    if (tamper) await tamper(w, res);
    return res;
  };
  const client = new Client({
    baseUrl: server.baseUrl, clientId: key.clientId, clientSecret: key.clientSecret,
    fetch: fetchLogged, now: () => server.clock!.now(), retry: { baseDelayMs: 50, maxDelayMs: 2000 }, ...opts,
  });
  return { client, wire, clientId: key.clientId };
}

async function small(name: string, width = 320): Promise<Buffer> {
  return sharp(testPhoto(name)).resize({ width, withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer();
}

async function historyOf(client: Client): Promise<HistoryEntry[]> {
  const all: HistoryEntry[] = [];
  for await (const h of client.history({ pageSize: 30 })) all.push(h);
  return all;
}

test('color-correct through run: outputs decode, one credit is charged, history names the task', async () => {
  const { client, wire } = await sdkClient(10);
  const input = await small('fruits.jpg', 400);
  const before = await client.balance();
  const stages: string[] = [];
  const r = await client.run('color-correct', { src: input }, { onProgress: (p) => stages.push(p.stage) });
  assert.ok(r.outputs.length >= 1);
  const bytes = await r.download();
  const meta = await sharp(bytes).metadata();
  const inMeta = await sharp(input).metadata();
  assert.deepEqual([meta.width, meta.height], [inMeta.width, inMeta.height]);
  writeFileSync(`${ARTIFACTS}/fruits.color-correct.jpg`, bytes);
  assert.equal(await client.balance(), before - 1);
  const charge = (await historyOf(client)).filter((h) => h.target_id === r.taskId);
  assert.equal(charge.length, 1);
  assert.equal(charge[0].action, 'api_color_correction');
  assert.deepEqual(stages.slice(0, 3), ['upload', 'upload', 'created']);
  assert.equal(stages.at(-1), 'done');
  // The SDK used the v1.1 file path and the task body carried request_id 0.
  assert.ok(wire.some((w) => w.method === 'POST' && w.path === '/s2s/v1.1/file/color-correct'));
  assert.equal(JSON.parse(wire.find((w) => w.path === '/s2s/v1.0/task/color-correct' && w.method === 'POST')!.body!).request_id, 0);
});

/** Every feature that needs no diffusion backend, on small real photos. */
const CASES: Array<{ feature: FeatureId; input: () => Promise<RunInput<any>>; unavailable?: RegExp; check?: (bytes: Buffer, srcW: number) => Promise<void>; json?: (data: Record<string, unknown>) => void }> = [
  { feature: 'lighting', input: async () => ({ src: await small('home.jpg', 480) }) },
  // No colorization weights ship in npm packages: through the SDK the task must fail with the engine's
  // clear error naming the pull command (test/engines/pixel/colorize.test.ts runs a tiny installed model).
  { feature: 'colorize', input: async () => ({ src: await sharp(testPhoto('camera.png')).resize(256).png().toBuffer() }), unavailable: /darkroom models pull/ },
  {
    feature: 'enhance', input: async () => ({ src: await small('rocket.jpg', 160), params: { scale: 2 } }),
    check: async (bytes, srcW) => assert.equal((await sharp(bytes).metadata()).width, srcW * 2),
  },
  {
    feature: 'obj-removal',
    input: async () => {
      const src = await small('building.jpg', 256);
      const { width = 0, height = 0 } = await sharp(src).metadata();
      const mask = await sharp({ create: { width, height, channels: 3, background: '#000' } })
        .composite([{ input: { create: { width: 40, height: 40, channels: 3, background: '#fff' } }, left: 100, top: 60 }]).png().toBuffer();
      return { src, mask };
    },
  },
  { feature: 'sod', input: async () => ({ src: await small('astronaut.png', 256) }), check: async (bytes) => assert.equal((await sharp(bytes).metadata()).hasAlpha, true) },
  { feature: 'mu-trans-rec', input: async () => ({ src: await small('astronaut.png', 400), ref: await small('portrait-julia.jpg', 400) }) },
  { feature: 'face-swap', input: async () => ({ src: await small('astronaut.png', 400), ref: [await small('portrait-julia.jpg', 400)], params: { face_mapping: [{ index: 0, position: 0 }] } }) },
  {
    feature: 'out-paint',
    input: async () => ({
      src: await small('coffee.png', 200),
      params: { output_width: 300, output_height: 200, input_x: 50, input_y: 33, input_width: 200, input_height: 133, crop_input_x: 0, crop_input_y: 0, crop_input_width: 200, crop_input_height: 133 },
    }),
    check: async (bytes) => assert.equal((await sharp(bytes).metadata()).width, 300),
  },
  {
    feature: 'face-swap/pre-process', input: async () => ({ src: await small('portrait-julia.jpg', 400) }),
    json: (data) => {
      const faces = data.faces as Array<{ bbox: number[] }>;
      assert.equal(faces.length, 1);
      assert.equal(faces[0].bbox.length, 4);
    },
  },
];

for (const c of CASES) {
  test(`${c.feature} through run`, async (t) => {
    const { client } = await sdkClient(10);
    const input = await c.input();
    try {
      if (c.unavailable) {
        await assert.rejects(client.run(c.feature as 'lighting', input as RunInput<'lighting'>), (e: unknown) => e instanceof TaskError && e.code === 'error_inference' && c.unavailable!.test(e.message));
        return;
      }
      const r = await client.run(c.feature as 'lighting', input as RunInput<'lighting'>);
      assert.ok(r.outputs.length >= 1, 'at least one output');
      const withUrl = r.outputs.find((o) => o.url);
      if (c.json) {
        c.json(r.outputs[0].data);
      } else if (withUrl) {
        const bytes = Buffer.from(await withUrl.download());
        const meta = await sharp(bytes).metadata();
        assert.ok(meta.width && meta.height, 'result decodes as an image');
        const srcW = (await sharp(input.src as Buffer).metadata()).width!;
        await c.check?.(bytes, srcW);
        writeFileSync(`${ARTIFACTS}/${c.feature.replace('/', '-')}.${meta.format === 'png' ? 'png' : 'jpg'}`, bytes);
      } else {
        assert.ok(Object.keys(r.outputs[0].data).length > 0, 'data-only result carries data');
      }
    } catch (err) {
      // An engine that this server cannot run (no model on this machine) says so; that is not an SDK failure.
      if (err instanceof TaskError && err.code === 'error_inference' && /not available on this server|needs .*weights/.test(err.message)) return t.skip(err.message);
      throw err;
    }
  });
}

test('a failed task surfaces as TaskError with the engine code and is not charged', async () => {
  const { client } = await sdkClient(5);
  const before = await client.balance();
  await assert.rejects(
    client.run('color-correct', { src: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]) }),
    (e: unknown) => e instanceof TaskError && e.code === 'error_decode_image' && e.taskId.length > 0,
  );
  assert.equal(await client.balance(), before);
});

test('HTTP errors are ApiError with the envelope code', async () => {
  const { client } = await sdkClient(0);
  await assert.rejects(client.run('color-correct', { src: await small('fruits.jpg', 64) }), (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === 'CreditInsufficiency');
  await assert.rejects(client.taskStatus('color-correct', 'no-such-task'), (e: unknown) => e instanceof ApiError && e.code === 'InvalidTaskId');
});

test('the token is refreshed after expiry on the injected clock, and a server-side expiry re-authenticates once', async () => {
  const { client, wire } = await sdkClient(5);
  const auths = () => wire.filter((w) => w.path === '/s2s/v1.0/client/auth').length;
  await client.credits();
  assert.equal(auths(), 1);
  server.clock!.advance(60 * 60_000);
  await client.credits();
  assert.equal(auths(), 1, 'still fresh after 1 h');
  server.clock!.advance(61 * 60_000);
  await client.credits();
  assert.equal(auths(), 2, 'refreshed after 2 h 1 min');

  // A client whose clock stands still believes its token is fresh; the server says 401 and the SDK re-auths once.
  let frozen = 0;
  const lagging = await sdkClient(5, { now: () => frozen });
  frozen = server.clock!.now();
  await lagging.client.credits();
  server.clock!.advance(2 * 3600_000 + 60_000);
  frozen += 1000; // a distinct id_token timestamp (the server refuses replayed id_tokens)
  await lagging.client.credits();
  assert.deepEqual(lagging.wire.map((w) => `${w.path} ${w.status}`), [
    '/s2s/v1.0/client/auth 200', '/s2s/v1.0/client/credit 200',
    '/s2s/v1.0/client/credit 401', '/s2s/v1.0/client/auth 200', '/s2s/v1.0/client/credit 200',
  ]);
});

test('a dropped response on task creation is retried with the same request_id and charged once', async () => {
  let dropped: string | undefined;
  const { client, wire } = await sdkClient(10, {}, async (w, res) => {
    if (!dropped && w.method === 'POST' && w.path === '/s2s/v1.0/task/color-correct') {
      dropped = (await res.clone().json()).result.task_id;
      throw new TypeError('fetch failed: connection reset');
    }
  });
  const before = await client.balance();
  const r = await client.run('color-correct', { src: await small('coffee.png', 256) });
  const creates = wire.filter((w) => w.method === 'POST' && w.path === '/s2s/v1.0/task/color-correct');
  assert.equal(creates.length, 2);
  assert.equal(creates[0].body, creates[1].body);
  assert.equal(r.taskId, dropped, 'the retry answered the original task');
  assert.equal(await client.balance(), before - 1);
  assert.equal((await historyOf(client)).filter((h) => h.target_id === r.taskId).length, 1);
  // A new run takes a new request_id and is a new task.
  const r2 = await client.run('color-correct', { src: { fileId: r.outputs[0].dstId! } });
  assert.equal(r2.requestId, r.requestId + 1);
  assert.notEqual(r2.taskId, r.taskId);
});

test('aborting a run cancels the task on the server: AbortError, nothing charged', async () => {
  const { client, wire } = await sdkClient(10);
  const before = await client.balance();
  const ac = new AbortController();
  const big = await sharp(testPhoto('baboon.jpg')).resize(1500).jpeg().toBuffer();
  const err = await client.run('enhance', { src: big, params: { scale: 2 } }, {
    signal: ac.signal,
    onProgress: (p) => p.stage === 'created' && ac.abort(),
  }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof AbortError, String(err));
  assert.equal(err.name, 'AbortError');
  assert.ok(err.taskId);
  const cancel = wire.find((w) => w.path === '/s2s/v1.0/task/enhance/cancel');
  assert.equal(cancel?.status, 200);
  await assert.rejects(client.taskStatus('enhance', err.taskId!), (e: unknown) => e instanceof ApiError && e.code === 'InvalidTaskId' && /cancelled/.test(e.message));
  assert.equal(await client.balance(), before);
});

test('HTTP 429 from the rate limiter is retried with backoff until it passes', async () => {
  const limited = await startTestServer({ rateLimit: { enabled: true, perIpMax: 4, perIpWindowMs: 1000, perTokenMax: 1000, perTokenWindowMs: 60_000 } });
  try {
    const key = await limited.newClient(5);
    await new Promise((r) => setTimeout(r, 1100)); // the harness's own auth used part of this second's budget
    const seen: number[] = [];
    const delays: number[] = [];
    const client = new Client({
      baseUrl: limited.baseUrl, clientId: key.clientId, clientSecret: key.clientSecret,
      retry: { retries: 6, baseDelayMs: 200, maxDelayMs: 1500 },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        seen.push(res.status);
        return res;
      },
      sleep: async (ms) => {
        delays.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    for (let i = 0; i < 6; i++) assert.equal((await client.credits())[0].amount, 5);
    assert.ok(seen.includes(429), `statuses: ${seen.join(',')}`);
    assert.equal(seen.filter((s) => s === 200).length, 7); // auth + 6 credit reads
    assert.ok(delays.length >= 1 && delays.every((d) => d >= 100 && d <= 1500), `delays: ${delays.join(',')}`);
  } finally {
    await limited.close();
  }
});
