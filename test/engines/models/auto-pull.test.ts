/**
 * First start fetches the recommended models in the background: a real server started against a
 * local model host (serving tiny models of the real signatures under the catalog's file names)
 * answers at once, upgrades its features as each model is verified, refuses a file whose published
 * checksum does not match, and keeps its built-in engines (one log line, a later retry) when the
 * host cannot be reached.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { AutoPull, STATUS_FILE, featureDownloads, readAutoPullStatus, recommendedModels, type AutoPullStatus } from '../../../src/engines/models/auto-pull.js';
import { startTestServer, type TestServer } from '../../helpers/harness.js';
import { onnxModel } from '../../helpers/tiny-onnx.js';
import { tinyDdcolor, tinyLama } from './tiny-models.js';
import { serveFiles, type FileHost } from '../../helpers/file-host.js';

/** The compact SR export's signature: fixed [1,3,128,128] 0..1 → [1,3,512,512] (nearest ×4). */
function tinyCompactSr(): Buffer {
  return onnxModel({
    inputs: [{ name: 'image', dims: [1, 3, 128, 128] }],
    outputs: [{ name: 'upscaled_image', dims: [1, 3, 512, 512] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, 4, 4] }],
    nodes: [{ op: 'Resize', in: ['image', '', 'scales'], out: ['upscaled_image'] }],
  });
}

/** Collects a server's log lines. */
function logSink() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { lines, log: pino({ level: 'info' }, stream) };
}

interface Ready {
  features: Record<string, { available: boolean; engine: string | null }>;
  models?: AutoPullStatus;
}

async function readyz(server: TestServer): Promise<Ready> {
  const r = await fetch(`${server.baseUrl}/readyz`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { result: Ready }).result;
}

/** Polls /readyz until `done` holds (bounded: 1200 polls); a background download has no fixed duration. */
async function until(server: TestServer, done: (r: Ready) => boolean): Promise<Ready> {
  for (let i = 0; i < 1200; i++) {
    const r = await readyz(server);
    if (done(r)) return r;
    await sleep(100);
  }
  return readyz(server);
}

const settled = (r: Ready) => (r.models?.models.length ?? 0) > 0 && r.models!.models.every((m) => m.state === 'installed' || m.state === 'failed');

describe('auto-pull of the recommended models', () => {
  let host: FileHost;
  let hostUrl: string;
  /** While true the host answers 503, as a mirror that is down for maintenance. */
  let down = true;
  const files = new Map<string, Buffer>([
    ['/lama_fp32.onnx', tinyLama([0, 1, 0])],
    ['/Real-ESRGAN-General-x4v3.onnx', tinyCompactSr()],
    // Not the file whose sha256 and size the model card publishes: it must be refused.
    ['/ddcolor_tiny_512_int8.onnx', tinyDdcolor(30, 512)],
  ]);
  before(async () => {
    host = await serveFiles(files, () => down);
    hostUrl = host.url;
  });
  after(() => host.close());

  test('the recommended set is the permissive inpainting, colorization and fast super-resolution models', () => {
    const names = recommendedModels('').map((m) => m.name).sort();
    assert.deepEqual(names, ['ddcolor-tiny', 'lama', 'realesr-general-x4v3']);
    for (const m of recommendedModels('')) assert.equal(m.licenceNotice, undefined);
  });

  test('a start serves at once; a refused round retries; then each feature upgrades as its model is verified, a bad checksum is refused', async () => {
    const { lines, log } = logSink();
    const server = await startTestServer({ models: { autoPull: true, baseUrl: hostUrl, retryMs: 300 } }, { log });
    try {
      // Healthy at once, with the built-in engines.
      const first = await readyz(server);
      assert.match(first.features['obj-removal'].engine ?? '', /PatchMatch/i);
      const refused = await until(server, (r) => Boolean(r.models?.nextRetryAt));
      assert.ok(refused.models!.models.every((m) => m.state === 'failed' && /HTTP 503/.test(m.error ?? '')), JSON.stringify(refused.models));
      assert.match(refused.features['obj-removal'].engine ?? '', /PatchMatch/i, 'still the built-in engine');
      // What the console shows beside each feature.
      assert.match(featureDownloads(server.config.engines.modelsDir).get('colorize') ?? '', /^ddcolor-tiny not fetched yet \(download of .* failed: HTTP 503\)$/);

      down = false;
      const done = await until(server, (r) => settled(r) && r.models!.models.some((m) => m.state === 'installed'));
      const state = Object.fromEntries(done.models!.models.map((m) => [m.name, m.state]));
      assert.deepEqual(state, { lama: 'installed', 'ddcolor-tiny': 'failed', 'realesr-general-x4v3': 'installed' });
      assert.match(done.models!.models.find((m) => m.name === 'ddcolor-tiny')!.error ?? '', /checksum mismatch/);
      assert.match(done.features['obj-removal'].engine ?? '', /\[lama\]/);
      assert.match(done.features.enhance.engine ?? '', /realesr-general-x4v3/);
      assert.equal(featureDownloads(server.config.engines.modelsDir).has('obj-removal'), false, 'nothing pending for an installed model');
      assert.equal(done.features.colorize.available, false, 'a refused file never serves');
      const modelsDir = server.config.engines.modelsDir;
      assert.equal(existsSync(path.join(modelsDir, 'ddcolor-tiny', 'ddcolor_tiny_512_int8.onnx')), false);

      // No restart: the next task runs the model that arrived (the tiny LaMa paints the hole green).
      const client = await server.newClient(10);
      const w = 160, h = 120;
      const src = await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
      const m = Buffer.alloc(w * h);
      for (let y = 40; y < 80; y++) m.fill(255, y * w + 50, y * w + 110);
      const r = await client.runTask('obj-removal', { src, mask: await sharp(m, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer() });
      assert.equal(r.status, 'success', JSON.stringify(r));
      assert.equal(r.results[0].data[0].engine, 'lama');
      const msgs = lines.map((l) => l.msg).join('\n');
      assert.match(msgs, /fetching the recommended models in the background/);
      assert.match(msgs, /lama is installed and verified: obj-removal, out-paint use it from the next task/);
      assert.match(msgs, /DARKROOM_MODELS_AUTO_PULL=false/);
    } finally {
      await server.close();
      down = true;
    }
  });

  test('an unreachable host: one clear log line, built-in engines, and a retry later', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { lines, log } = logSink();
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-offline-'));
    const server = await startTestServer({ engines: { modelsDir }, models: { autoPull: true, baseUrl: `http://127.0.0.1:${port}/`, retryMs: 3_600_000 } }, { log });
    try {
      const r = await until(server, settled);
      assert.ok(r.models?.nextRetryAt, 'a retry is planned');
      assert.ok(r.models!.models.every((m) => m.state === 'failed'));
      assert.match(r.features['obj-removal'].engine ?? '', /PatchMatch/i);
      const warnings = lines.filter((l) => l.level === 40);
      assert.equal(warnings.length, 1, warnings.map((l) => l.msg).join('\n'));
      assert.match(warnings[0].msg, /cannot be reached \(.*ECONNREFUSED.*\): features keep their built-in engines; next try in 60 min/);
    } finally {
      await server.close();
    }
  });

  test('turned off (as every other test server is): nothing is fetched and /readyz reports no downloads', async () => {
    const server = await startTestServer({});
    try {
      assert.equal(server.config.models.autoPull, false);
      assert.equal((await readyz(server)).models, undefined);
      assert.equal(existsSync(path.join(server.config.engines.modelsDir, 'lama')), false);
    } finally {
      await server.close();
    }
  });
});

describe('auto-pull with several processes on one models folder', () => {
  test('while another process holds the download lock, this one neither downloads nor overwrites its progress', async () => {
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-shared-models-'));
    const theirs: AutoPullStatus = { updatedAt: new Date().toISOString(), models: [{ name: 'lama', features: ['obj-removal'], state: 'downloading', received: 10, total: 100 }] };
    writeFileSync(path.join(modelsDir, '.auto-pull.lock'), 'other-host 1\n');
    writeFileSync(path.join(modelsDir, STATUS_FILE), JSON.stringify(theirs));
    let requests = 0;
    const host = http.createServer((_req, res) => void (requests++, res.writeHead(404).end()));
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const { log } = logSink();
    const pull = new AutoPull({ modelsDir, log, baseUrl: `http://127.0.0.1:${(host.address() as AddressInfo).port}/`, retryMs: 3_600_000 });
    try {
      pull.start();
      for (let i = 0; i < 100 && !pull.status().nextRetryAt; i++) await sleep(20);
      assert.ok(pull.status().nextRetryAt, 'it plans another round');
      assert.equal(requests, 0);
      assert.deepEqual(readAutoPullStatus(modelsDir), theirs);
    } finally {
      await pull.stop();
      host.close();
    }
  });
});
