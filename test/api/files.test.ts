import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../helpers/harness.js';

let server: TestServer;
let c: TestClient;
let png: Buffer;
before(async () => {
  server = await startTestServer({}, { manualClock: true });
  c = await server.newClient(10);
  png = await sharp(testPhoto('coffee.png')).resize(64).png().toBuffer();
});
after(async () => server?.close());

async function slot(feature = 'color-correct', contentType = 'image/png', size: number | undefined = png.length) {
  const r = await c.api('POST', `/s2s/v1.1/file/${feature}`, { files: [{ content_type: contentType, file_name: 'a.png', ...(size !== undefined ? { file_size: size } : {}) }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.result.files[0] as { file_id: string; requests: { url: string; method: string; headers: Record<string, string> }[] };
}

const put = (url: string, headers: Record<string, string>, body: Buffer) => fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });

test('v1.0 file requests (no file_size) work too', async () => {
  const r = await c.api('POST', '/s2s/v1.0/file/color-correct', { files: [{ content_type: 'image/jpg', file_name: 'a.jpg' }] });
  assert.equal(r.status, 200);
  assert.equal(r.body.result.files[0].requests[0].headers['Content-Length'], undefined);
});

test('content types outside the feature formats and oversize files are refused at request time', async () => {
  const video = await c.api('POST', '/s2s/v1.1/file/color-correct', { files: [{ content_type: 'video/mp4', file_name: 'a.mp4' }] });
  assert.equal(video.status, 400);
  assert.equal(video.body.error_code, 'ContentTypeNotSupported');
  const big = await c.api('POST', '/s2s/v1.1/file/color-correct', { files: [{ content_type: 'image/png', file_name: 'a.png', file_size: 10 * 1024 * 1024 }] });
  assert.equal(big.status, 413);
  assert.match(big.body.error, /exceed_max_filesize/);
});

test('a signed upload is accepted once; a second upload to the same file_id is refused', async () => {
  const s = await slot();
  assert.equal((await put(s.requests[0].url, s.requests[0].headers, png)).status, 200);
  const again = await put(s.requests[0].url, s.requests[0].headers, png);
  assert.equal(again.status, 409);
  assert.equal(((await again.json()) as { error_code: string }).error_code, 'FileAlreadyUploaded');
});

test('tampered URLs, changed content types, wrong sizes and non-matching bytes are refused and store nothing', async () => {
  const s = await slot();
  const url = new URL(s.requests[0].url);
  const tamperedSig = new URL(url);
  tamperedSig.searchParams.set('sig', `${url.searchParams.get('sig')!.slice(0, -2)}AA`);
  assert.equal((await put(tamperedSig.href, s.requests[0].headers, png)).status, 403);
  const longer = new URL(url);
  longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600_000));
  assert.equal((await put(longer.href, s.requests[0].headers, png)).status, 403);
  assert.equal((await put(url.href, { ...s.requests[0].headers, 'Content-Type': 'image/jpeg' }, png)).status, 403);
  const short = png.subarray(0, png.length - 10);
  assert.equal((await put(url.href, { 'Content-Type': 'image/png' }, short)).status, 400);
  // Right size but not a PNG.
  const fake = Buffer.alloc(png.length, 0x41);
  const bad = await put(url.href, s.requests[0].headers, fake);
  assert.equal(bad.status, 400);
  // None of those left anything behind: the genuine upload still goes through.
  assert.equal((await put(url.href, s.requests[0].headers, png)).status, 200);
});

test('an expired upload URL is refused', async () => {
  const s = await slot();
  server.clock!.advance(3600_000 + 1);
  const r = await put(s.requests[0].url, s.requests[0].headers, png);
  assert.equal(r.status, 403);
  assert.equal(((await r.json()) as { error_code: string }).error_code, 'UrlExpired');
});

test('result URLs are signed for 2 hours; tampering or expiry is refused; uploads expire after a day', async () => {
  const s = await slot();
  assert.equal((await put(s.requests[0].url, s.requests[0].headers, png)).status, 200);
  const created = await c.createTask('color-correct', { src_ids: [s.file_id] });
  const done = await c.waitForTask('color-correct', created.body.result.task_id);
  assert.equal(done.status, 'success');
  const url = new URL(done.results[0].data[0].url);
  assert.equal((await fetch(url)).status, 200);
  const other = new URL(url);
  other.pathname = other.pathname.replace(/\/[^/]+$/, '/someone-else.png');
  assert.equal((await fetch(other)).status, 403);
  server.clock!.advance(2 * 3600_000 + 1);
  assert.equal((await fetch(url)).status, 403);
  // A fresh poll (with a fresh token: the old one expired with the URL) mints a fresh URL.
  await c.auth();
  const fresh = await c.poll('color-correct', created.body.result.task_id);
  assert.equal((await fetch(fresh.body.result.results[0].data[0].url)).status, 200);
  // After a day the upload is swept: its id answers a clear error.
  server.clock!.advance(24 * 3600_000);
  await server.app.sweep();
  await c.auth();
  const reuse = await c.createTask('color-correct', { src_ids: [s.file_id] });
  assert.equal(reuse.status, 400);
  assert.equal(reuse.body.error_code, 'FileExpired');
  // The result (kept 30 days) can still feed another task.
  const chained = await c.createTask('color-correct', { src_ids: [done.results[0].data[0].dst_id] });
  assert.equal(chained.status, 200);
});

test('signed storage URLs answer CORS preflights, so a browser on another origin can upload', async () => {
  const s = await slot();
  const pre = await fetch(s.requests[0].url, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:9999', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /PUT/);
  const put = await fetch(s.requests[0].url, { method: 'PUT', headers: { ...s.requests[0].headers, Origin: 'http://127.0.0.1:9999' }, body: new Uint8Array(png) });
  assert.equal(put.headers.get('access-control-allow-origin'), '*');
});

test('an object stored past the size limit (an S3 upload nobody could check) is refused at task creation', async () => {
  const r = await c.api('POST', '/s2s/v1.0/file/color-correct', { files: [{ content_type: 'image/png', file_name: 'big.png' }] });
  const fileId = r.body.result.files[0].file_id as string;
  const row = await server.app.services.db.kysely.selectFrom('files').select('storage_key').where('id', '=', fileId).executeTakeFirstOrThrow();
  await server.app.services.files.storage.put(row.storage_key, Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024)]), 'image/png');
  const task = await c.createTask('color-correct', { src_ids: [fileId] });
  assert.equal(task.status, 413);
  assert.equal(task.body.error_code, 'ExceedMaxFilesize');
});

test('two concurrent uploads to one URL: exactly one lands', async () => {
  const s = await slot();
  const results = await Promise.all([1, 2, 3].map(() => put(s.requests[0].url, s.requests[0].headers, png)));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
});
