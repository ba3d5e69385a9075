/**
 * With no diffusion server configured and (tiny) models installed, every one of the eighteen
 * features answers a result through the real API; the ones that need diffusion are served by the
 * embedded engine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { FEATURES } from '../../../src/features/table.js';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../../helpers/harness.js';
import { tinyColorizeModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from '../models/install.js';
import { installTinyDiffusion } from './tiny-diffusion.js';

async function rgb(data: Buffer) {
  return sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

describe('every diffusion feature on the embedded engine, over HTTP', () => {
  let server: TestServer;
  let client: TestClient;
  before(async () => {
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-embedded-'));
    installTinyDiffusion(modelsDir);
    installLocalModel(modelsDir, { name: 'test-ddcolor', role: 'colorize', signature: 'ddcolor', features: ['colorize'], file: 'model.onnx', bytes: tinyColorizeModel([20, 30]) });
    server = await startTestServer({ engines: { modelsDir } });
    client = await server.newClient(100);
  });
  after(() => server?.close());

  test('/readyz names the embedded engine, its expected time and what upgrades it', async () => {
    const { result } = (await (await fetch(`${server.baseUrl}/readyz`)).json()) as { result: { features: Record<string, { available: boolean; engine: string | null; upgrade: string | null }> } };
    for (const f of ['text-to-image', 'obj-replace', 'hair-style', 'hair-ext', 'hair-bang', 'hair-vol']) {
      assert.equal(result.features[f].available, true, f);
      assert.match(result.features[f].engine ?? '', /embedded CPU diffusion.*s per 512² image.*\[tiny-lcm\]/, f);
      assert.match(result.features[f].upgrade ?? '', /DARKROOM_COMFYUI_URLS/, f);
    }
    assert.match(result.features['out-paint'].engine ?? '', /embedded CPU diffusion inpainting/);
    assert.match(result.features['obj-removal'].upgrade ?? '', /LaMa/, 'LaMa would serve removal better');
  });

  test('text-to-image answers an image from the prompt', async () => {
    const r = await client.runTask('text-to-image', {}, { prompt: 'a red cat', style_group_id: 1001, style_ids: [100101] });
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.match(r.results[0].data[0].engine, /embedded CPU diffusion \(tiny-lcm/);
    const out = await client.download(r.results[0].data[0].url);
    const meta = await sharp(out).metadata();
    assert.ok(Math.max(meta.width!, meta.height!) === 512, `${meta.width}x${meta.height}`);
  });

  test('AI replace repaints the mask and returns every pixel outside it unchanged', async () => {
    const src = await sharp(testPhoto('chelsea.png')).resize(320, 240).png().toBuffer();
    const m = Buffer.alloc(320 * 240);
    for (let y = 80; y < 160; y++) m.fill(255, y * 320 + 120, y * 320 + 220);
    const mask = await sharp(m, { raw: { width: 320, height: 240, channels: 1 } }).png().toBuffer();
    const r = await client.runTask('obj-replace', { src, mask, maskSet: 'msk_ids' }, { prompt: 'a red dog' });
    assert.equal(r.status, 'success', JSON.stringify(r));
    const [a, b] = [await rgb(src), await rgb(await client.download(r.results[0].data[0].url))];
    assert.equal(b.info.width, 320);
    let changedInside = 0;
    for (let y = 0; y < 240; y++) for (let x = 0; x < 320; x++) {
      const i = (y * 320 + x) * 3;
      const inside = m[y * 320 + x] === 255;
      const same = a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2];
      if (!inside) assert.ok(same, `(${x},${y}) outside the mask changed`);
      else if (!same) changedInside++;
    }
    assert.ok(changedInside > 80 * 100 * 0.5, `the masked area was repainted (${changedInside} px)`);
  });

  test('the four hair features answer results on a portrait', async () => {
    const jpg = await sharp(testPhoto('astronaut.png')).jpeg({ quality: 92 }).toBuffer();
    const styles: Record<string, [number, number]> = { 'hair-style': [2001, 200102], 'hair-ext': [3001, 300102], 'hair-bang': [4001, 400101], 'hair-vol': [5001, 500103] };
    for (const [f, [group, style]] of Object.entries(styles)) {
      const r = await client.runTask(f, { src: jpg }, { style_group_id: group, style_ids: [style] });
      assert.equal(r.status, 'success', `${f}: ${JSON.stringify(r)}`);
      const out = await sharp(await client.download(r.results[0].data[0].url)).metadata();
      assert.deepEqual([out.width, out.height], [512, 512], f);
    }
  });

  test('the extender and object removal are served by the embedded engine when no LaMa is installed', async () => {
    const src = await sharp(testPhoto('chelsea.png')).resize(300, 200).png().toBuffer();
    const geometry = { output_width: 400, output_height: 200, input_x: 50, input_y: 0, input_width: 300, input_height: 200, crop_input_x: 0, crop_input_y: 0, crop_input_width: 300, crop_input_height: 200 };
    const ext = await client.runTask('out-paint', { src }, geometry);
    assert.equal(ext.status, 'success', JSON.stringify(ext));
    assert.equal(ext.results[0].data[0].engine, 'tiny-lcm');
    const m = Buffer.alloc(300 * 200);
    for (let y = 60; y < 120; y++) m.fill(255, y * 300 + 100, y * 300 + 180);
    const mask = await sharp(m, { raw: { width: 300, height: 200, channels: 1 } }).png().toBuffer();
    const rem = await client.runTask('obj-removal', { src, mask });
    assert.equal(rem.status, 'success', JSON.stringify(rem));
    assert.equal(rem.results[0].data[0].engine, 'tiny-lcm');
  });
  test('the other features answer results on the same server', async () => {
    const small = async (name: string, side: number) => sharp(testPhoto(name)).resize(side, side, { fit: 'inside' }).jpeg({ quality: 92 }).toBuffer();
    const portrait = await small('portrait-julia.jpg', 400);
    const astronaut = await small('astronaut.png', 400);
    const cases: [string, Parameters<TestClient['runTask']>[1], Record<string, unknown>?][] = [
      ['enhance', { src: await small('rocket.jpg', 160) }, { scale: 2 }],
      ['sod', { src: astronaut }],
      ['bg-replace', { src: astronaut }, { background_color: '#2060C0' }],
      ['bg-blur', { src: astronaut }, { blur_strength: 60 }],
      ['colorize', { src: await sharp(testPhoto('camera.png')).resize(256).png().toBuffer() }],
      ['lighting', { src: await small('home.jpg', 480) }],
      ['color-correct', { src: await small('coffee.png', 480) }],
      ['mu-trans-rec', { src: astronaut, ref: portrait }],
      ['face-swap/pre-process', { src: portrait }],
      ['face-swap', { src: astronaut, ref: [portrait] }, { face_mapping: [{ index: 0, position: 0 }] }],
      ['video-sr', { src: testPhoto('street.mp4'), srcType: 'video/mp4' }],
    ];
    const diffusion = ['text-to-image', 'obj-replace', 'hair-style', 'hair-ext', 'hair-bang', 'hair-vol', 'out-paint', 'obj-removal'];
    assert.deepEqual([...diffusion, ...cases.map((c) => c[0])].sort(), FEATURES.map((f) => f.id).sort(), 'this file runs every feature of the table');
    for (const [feature, inputs, params] of cases) {
      const r = await client.runTask(feature, inputs, params);
      assert.equal(r.status, 'success', `${feature}: ${JSON.stringify(r)}`);
      assert.ok(r.results.length > 0, feature);
    }
  });
});

describe('embedded diffusion switched off', () => {
  let server: TestServer;
  before(async () => {
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-embedded-off-'));
    installTinyDiffusion(modelsDir);
    server = await startTestServer({ engines: { modelsDir }, diffusion: { embedded: { enabled: false } } });
  });
  after(() => server?.close());

  test('text-to-image answers error_inference naming both ways to get an engine', async () => {
    const client = await server.newClient(10);
    const r = await client.runTask('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [100101] });
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'error_inference');
    assert.match(r.error_message, /models pull lcm-dreamshaper-v7.*DARKROOM_A1111_URLS/);
  });
});
