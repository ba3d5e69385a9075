/**
 * URLs handed to clients (issue 14, finding 6): without `publicUrl`, signed upload and result URLs
 * use the origin the request came to (X-Forwarded-* only behind a trusted proxy); every style
 * `thumb` URL answers with an image; a localhost public URL on 0.0.0.0 is warned about.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { FEATURES } from '../../src/features/table.js';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../helpers/harness.js';

/** An HTTP call with headers fetch() refuses to set (Host). */
function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

let direct: TestServer;
let proxied: TestServer;
let client: TestClient;
let proxiedClient: TestClient;
before(async () => {
  direct = await startTestServer({ publicUrl: '' });
  proxied = await startTestServer({ publicUrl: '', trustProxy: true });
  client = await direct.newClient(20);
  proxiedClient = await proxied.newClient(20);
});
after(async () => {
  await direct?.close();
  await proxied?.close();
});

const fileRequest = { files: [{ content_type: 'image/jpeg', file_name: 'a.jpg', file_size: 10 }] };
const auth = (c: TestClient) => ({ authorization: `Bearer ${c.token}` });

test('without publicUrl the upload URL names the Host the request used', async () => {
  const r = await call(direct.baseUrl, 'POST', '/s2s/v1.1/file/color-correct', { ...auth(client), host: 'photos.lan:8080' }, fileRequest);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const url = r.body.result.files[0].requests[0].url as string;
  assert.match(url, /^http:\/\/photos\.lan:8080\/storage\//);
});

test('X-Forwarded-Proto/Host are ignored unless trustProxy is set', async () => {
  const headers = { ...auth(client), host: 'photos.lan:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' };
  const r = await call(direct.baseUrl, 'POST', '/s2s/v1.1/file/color-correct', headers, fileRequest);
  assert.match(r.body.result.files[0].requests[0].url, /^http:\/\/photos\.lan:8080\/storage\//);
});

test('behind a trusted proxy the URLs use X-Forwarded-Proto and X-Forwarded-Host', async () => {
  const headers = { ...auth(proxiedClient), host: '127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
  const r = await call(proxied.baseUrl, 'POST', '/s2s/v1.1/file/color-correct', headers, fileRequest);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.result.files[0].requests[0].url, /^https:\/\/api\.example\.com\/storage\//);
});

test('a result URL follows the origin of the poll that returns it, and works', async () => {
  const photo = await sharp(testPhoto('fruits.jpg')).resize(128).jpeg().toBuffer();
  const done = await client.runTask('color-correct', { src: photo });
  assert.equal(done.status, 'success');
  const url = new URL(done.results[0].data[0].url as string);
  assert.equal(url.origin, direct.baseUrl, 'the harness asked 127.0.0.1:<port>, so the URL names it');
  assert.equal((await fetch(url)).status, 200);
});

test('every style thumb URL the API returns answers 200 with an image', async () => {
  let checked = 0;
  for (const spec of FEATURES.filter((f) => f.styles)) {
    const seg = spec.segments[0];
    const groups = await client.api('GET', `/s2s/v1.0/task/style-group/${seg}?page_size=20`);
    assert.equal(groups.status, 200, JSON.stringify(groups.body));
    for (const g of groups.body.result.groups) {
      let token: string | undefined;
      do {
        const page = await client.api('GET', `/s2s/v1.0/task/style/${seg}?style_group_id=${g.id}&page_size=20${token ? `&starting_token=${token}` : ''}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        for (const s of page.body.result.styles) {
          const thumb = new URL(s.info.thumb);
          assert.equal(thumb.origin, direct.baseUrl);
          const res = await fetch(thumb);
          assert.equal(res.status, 200, `${s.info.thumb} answered ${res.status}`);
          assert.equal(res.headers.get('content-type'), 'image/png');
          const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
          assert.equal(meta.format, 'png');
          checked++;
        }
        token = page.body.result.next_token;
      } while (token);
    }
  }
  assert.ok(checked > 10, `only ${checked} styles listed`);
  assert.equal((await fetch(`${direct.baseUrl}/static/styles/999999999.png`)).status, 404, 'an unknown style is still 404');
});

test('start-up warns when listening on 0.0.0.0 with a localhost public URL', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const server = await startTestServer({ host: '0.0.0.0', publicUrl: 'http://localhost:8080', logLevel: 'warn' }, { log: pino({ level: 'warn' }, sink) });
  await server.close();
  assert.ok(lines.some((l) => l.includes('publicUrl names this machine as localhost')), lines.join('\n'));
  lines.length = 0;
  const quiet = await startTestServer({ host: '0.0.0.0', publicUrl: '', logLevel: 'warn' }, { log: pino({ level: 'warn' }, sink) });
  await quiet.close();
  assert.ok(!lines.some((l) => l.includes('publicUrl names this machine')), 'no warning when URLs follow the request');
});
