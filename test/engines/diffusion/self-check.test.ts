import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { installedDiffusionModel } from '../../../src/engines/diffusion/index.js';
import { checkDiffusionModel, checkDiffusionModels, luminanceSpread, neighbourCorrelation } from '../../../src/engines/diffusion/self-check.js';
import { loadConfig } from '../../../src/config.js';
import { checkModels } from '../../../src/engines/models/check.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { installTinyDiffusion } from './tiny-diffusion.js';

const settings = { enabled: true, steps: 4, size: 256, guidanceScale: 8.5 };

describe('models check for a diffusion model (real pool thread, tiny models)', () => {
  const pool = createWorkerPool(1, { idleMs: 0 });
  after(() => pool.destroy());

  test('measures a smooth picture apart from noise and a flat field', () => {
    const w = 64, h = 64;
    const smooth = new Uint8Array(w * h * 3), noise = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      smooth.fill((i % w) * 4, 3 * i, 3 * i + 3);
      noise.fill(Math.floor(Math.random() * 256), 3 * i, 3 * i + 3);
    }
    assert.ok(neighbourCorrelation(smooth, w, h) > 0.95);
    assert.ok(Math.abs(neighbourCorrelation(noise, w, h)) < 0.2);
    assert.ok(luminanceSpread(smooth) > 50);
    assert.equal(luminanceSpread(new Uint8Array(w * h * 3).fill(128)), 0);
  });

  test('a working export passes: block-smooth image, outside of the mask kept', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-check-'));
    installTinyDiffusion(dir);
    const r = await checkDiffusionModel(pool, installedDiffusionModel(dir)!, dir, settings);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.ok(r.neighbourCorrelation > 0.5 && r.luminanceSpread > 8 && r.outsideChange <= 12, JSON.stringify(r));
  });

  test('a decoder that answers grey whatever the latents fails as flat', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-check-flat-'));
    installTinyDiffusion(dir, 'tiny-flat', { flatDecoder: true });
    const r = await checkDiffusionModel(pool, installedDiffusionModel(dir)!, dir, settings);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => /flat/.test(p)), r.problems.join('; '));
    assert.ok(r.problems.some((p) => /outside its mask/.test(p)), 'a decoder that loses the picture also fails the inpainting check');
  });

  test('models check: one row per installed diffusion model, left out of the ONNX checks', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-check-rows-'));
    installTinyDiffusion(dir, 'tiny-good');
    installTinyDiffusion(dir, 'tiny-flat', { flatDecoder: true });
    const config = loadConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'darkroom-check-cfg-')), engines: { modelsDir: dir }, diffusion: { embedded: { size: 256 } } }, {});
    assert.deepEqual(await checkModels(dir), []);
    const rows = await checkDiffusionModels(dir, config);
    assert.deepEqual(rows.map((r) => [r.name, r.passed]).sort(), [['tiny-flat', false], ['tiny-good', true]]);
    assert.match(rows.find((r) => r.name === 'tiny-good')!.detail, /neighbour correlation 0\.\d+, luminance spread/);
    assert.deepEqual((await checkDiffusionModels(dir, config, ['tiny-good'])).map((r) => r.name), ['tiny-good']);
  });
});
