import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../../helpers/harness.js';
import { tinyInpaintModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from './install.js';

describe('the serving engine over HTTP', () => {
  let server: TestServer;
  before(async () => {
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-api-models-'));
    installLocalModel(modelsDir, { name: 'test-lama', role: 'inpaint', signature: 'lama', features: ['obj-removal', 'out-paint'], file: 'model.onnx', bytes: tinyInpaintModel([1, 0, 1]) });
    server = await startTestServer({ engines: { modelsDir } });
  });
  after(() => server.close());

  test('/readyz says which engine serves each feature and what would upgrade it', async () => {
    const r = await fetch(`${server.baseUrl}/readyz`);
    assert.equal(r.status, 200);
    const { result } = (await r.json()) as { result: { features: Record<string, { available: boolean; engine: string | null; upgrade: string | null }> } };
    assert.match(result.features['obj-removal'].engine ?? '', /LaMa \/ MI-GAN.*test-lama/);
    assert.match(result.features['obj-removal'].upgrade ?? '', /DARKROOM_COMFYUI_URLS/);
    assert.equal(result.features.colorize.available, false);
    assert.match(result.features.colorize.upgrade ?? '', /darkroom models pull ddcolor/);
    assert.equal(result.features.sod.available, true);
  });

  test("a task's result names the engine that ran", async () => {
    const client = await server.newClient(10);
    const w = 160, h = 120;
    const src = await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 140, b: 60 } } }).png().toBuffer();
    const m = Buffer.alloc(w * h);
    for (let y = 40; y < 80; y++) m.fill(255, y * w + 50, y * w + 110);
    const mask = await sharp(m, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
    const r = await client.runTask('obj-removal', { src, mask });
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.equal(r.results[0].data[0].engine, 'test-lama');
    const graded = await client.runTask('color-correct', { src: await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 90, g: 140, b: 60 } } }).jpeg().toBuffer() });
    assert.equal(graded.status, 'success', JSON.stringify(graded));
    assert.ok(typeof graded.results[0].data[0].engine === 'string' && graded.results[0].data[0].engine.length > 0, 'unrouted features name their implementation');
  });
});
