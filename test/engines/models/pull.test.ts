import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findModel, pullModel, RECORDED_SUMS, requireModel, type ModelSpec } from '../../../src/engines/models/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const body = randomBytes(300_000);
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `darkroom-pull-${p}-`));

const spec = (name: string, file: Partial<ModelSpec['files'][number]> = {}, extra: Partial<ModelSpec> = {}): ModelSpec => ({
  name, role: 'inpaint', signature: 'lama', features: ['obj-removal'], implementation: 'test', runtime: 'onnxruntime',
  files: [{ path: 'model.onnx', sha256: sha(body), ...file }], license: 'test', checksum: 'published', ...extra,
});

interface Seen { url: string; range?: string }

describe('darkroom models pull', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  /** Per path: the bytes served and, optionally, a cut-off after which the first response dies. */
  const files = new Map<string, { data: Buffer; cutAfter?: number }>();
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', range: req.headers.range });
      if (req.url === '/redirect/model.onnx') return void res.writeHead(302, { location: '/m/model.onnx' }).end();
      const f = files.get(req.url ?? '');
      if (!f) return void res.writeHead(404).end('not found');
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const slice = f.data.subarray(start);
      res.writeHead(m ? 206 : 200, { 'content-length': slice.length, ...(m ? { 'content-range': `bytes ${start}-${f.data.length - 1}/${f.data.length}` } : {}) });
      if (f.cutAfter !== undefined) {
        const cut = f.cutAfter;
        f.cutAfter = undefined;
        res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      res.end(slice);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('a good file is downloaded, verified and put in place; progress reaches the size', async () => {
    files.set('/m/model.onnx', { data: body });
    const dir = tmp('good');
    const progress: number[] = [];
    const s = spec('good', { url: `${base}/redirect/model.onnx` });
    const r = await pullModel('good', { modelsDir: dir, catalog: [s], env: {}, onProgress: (p) => progress.push(p.received) });
    assert.equal(r.downloaded, true);
    assert.deepEqual(readFileSync(path.join(dir, 'good', 'model.onnx')), body);
    assert.equal(existsSync(path.join(dir, 'good', 'model.onnx.part')), false);
    assert.equal(progress.at(-1), body.length);
    assert.ok(findModel(s, dir).resolved);
    const again = await pullModel('good', { modelsDir: dir, catalog: [s], env: {} });
    assert.equal(again.downloaded, false);
  });

  test('a wrong checksum deletes the download and says why', async () => {
    files.set('/m/model.onnx', { data: body });
    const dir = tmp('bad');
    const s = spec('bad', { url: `${base}/m/model.onnx`, sha256: sha(Buffer.from('something else')) });
    await assert.rejects(pullModel('bad', { modelsDir: dir, catalog: [s], env: {} }), (e: Error) => {
      assert.match(e.message, /checksum mismatch/);
      assert.match(e.message, /partial file was deleted/);
      return true;
    });
    assert.equal(existsSync(path.join(dir, 'bad', 'model.onnx')), false);
    assert.equal(existsSync(path.join(dir, 'bad', 'model.onnx.part')), false);
  });

  test('an interrupted download is continued with a Range request', async () => {
    files.set('/r/model.onnx', { data: body, cutAfter: 100_000 });
    const dir = tmp('resume');
    const s = spec('resume', { url: `${base}/r/model.onnx` });
    await assert.rejects(pullModel('resume', { modelsDir: dir, catalog: [s], env: {} }), /interrupted|stopped/);
    const part = path.join(dir, 'resume', 'model.onnx.part');
    assert.ok(existsSync(part));
    const kept = statSync(part).size;
    assert.ok(kept > 0 && kept < body.length, `kept ${kept} bytes`);
    assert.equal(existsSync(path.join(dir, 'resume', 'model.onnx')), false, 'nothing loadable before verification');
    seen.length = 0;
    const r = await pullModel('resume', { modelsDir: dir, catalog: [s], env: {} });
    assert.equal(r.downloaded, true);
    assert.equal(seen[0].range, `bytes=${kept}-`);
    assert.deepEqual(readFileSync(path.join(dir, 'resume', 'model.onnx')), body);
  });

  test('a 404 fails with the URL and status and leaves no model', async () => {
    const dir = tmp('404');
    const s = spec('missing', { url: `${base}/nope/model.onnx` });
    await assert.rejects(pullModel('missing', { modelsDir: dir, catalog: [s], env: {} }), /HTTP 404/);
    assert.equal(findModel(s, dir).resolved, undefined);
  });

  test('HTTP_PROXY sends the download through the proxy', async () => {
    files.set('/m/model.onnx', { data: body });
    const tunnels: string[] = [];
    // A minimal forward proxy: CONNECT opens a tunnel to the origin (what proxy agents use).
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const dir = tmp('proxy');
      const s = spec('proxied', { url: `${base}/m/model.onnx` });
      seen.length = 0;
      await pullModel('proxied', { modelsDir: dir, catalog: [s], env: { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } });
      assert.deepEqual(tunnels, [new URL(base).host]);
      assert.deepEqual(readFileSync(path.join(dir, 'proxied', 'model.onnx')), body);
    } finally {
      proxy.close();
    }
  });

  test('a model without a published checksum records the first copy and catches later changes', async () => {
    files.set('/m/model.onnx', { data: body });
    const dir = tmp('record');
    const s = spec('unpinned', { url: `${base}/m/model.onnx`, sha256: undefined }, { checksum: 'first-download' });
    await pullModel('unpinned', { modelsDir: dir, catalog: [s], env: {} });
    assert.match(readFileSync(path.join(dir, 'unpinned', RECORDED_SUMS), 'utf8'), new RegExp(`^${sha(body)}  model.onnx`));
    const changed = Buffer.from(body);
    changed[5] ^= 0xff;
    writeFileSync(path.join(dir, 'unpinned', 'model.onnx'), changed);
    await assert.rejects(requireModel(s, dir), /checksum mismatch/);
  });

  test('a hand-installed file is checked the same way', async () => {
    const dir = tmp('hand');
    const s = spec('hand');
    mkdirSync(path.join(dir, 'hand'));
    writeFileSync(path.join(dir, 'hand', 'model.onnx'), Buffer.concat([body, Buffer.from([1])]));
    await assert.rejects(requireModel(s, dir), /checksum mismatch/);
    writeFileSync(path.join(dir, 'hand', 'model.onnx'), body);
    assert.equal((await requireModel(s, dir)).origin, 'models-dir');
  });

  test('a non-commercial model needs --accept-licence and prints its notice', async () => {
    const dir = tmp('licence');
    const s = spec('restricted', { url: `${base}/m/model.onnx` }, { licenceNotice: 'research only', license: 'non-commercial' });
    await assert.rejects(pullModel('restricted', { modelsDir: dir, catalog: [s], env: {} }), /research only[\s\S]*--accept-licence/);
    assert.equal(existsSync(path.join(dir, 'restricted')), false);
    files.set('/m/model.onnx', { data: body });
    assert.equal((await pullModel('restricted', { modelsDir: dir, catalog: [s], env: {}, acceptLicence: true })).downloaded, true);
  });
});
