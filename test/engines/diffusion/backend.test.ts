/** The embedded backend as the generative features call it: a real pool thread, the tiny model. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { EmbeddedDiffusionBackend, installedDiffusionModel, workingSize } from '../../../src/engines/diffusion/index.js';
import { TaskAbortedError } from '../../../src/engines/errors.js';
import { DiffusionBackendError } from '../../../src/engines/generative/backends/types.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { installTinyDiffusion } from './tiny-diffusion.js';

const settings = { enabled: true, steps: 4, size: 512, guidanceScale: 8.5 };
const req = { feature: 'text-to-image', prompt: 'a red cat', negativePrompt: '', width: 1024, height: 768, seed: 9, settings: {} };

describe('embedded diffusion backend', () => {
  const pool = createWorkerPool(2, { idleMs: 0 });
  after(() => pool.destroy());
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-backend-'));
  installTinyDiffusion(modelsDir);
  const backend = () => new EmbeddedDiffusionBackend(pool, installedDiffusionModel(modelsDir)!, modelsDir, settings);

  test('works at the model\'s size in multiples of 64, keeping the aspect', async () => {
    assert.deepEqual(workingSize(1024, 768, 512), { width: 512, height: 384 });
    assert.deepEqual(workingSize(600, 1000, 512), { width: 320, height: 512 });
    const progress: number[] = [];
    const out = await backend().txt2img(req, { signal: new AbortController().signal, timeoutMs: 60_000, onProgress: (f) => progress.push(f) });
    const meta = await sharp(out.data).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 512, 384]);
    assert.equal(out.backend, 'embedded:tiny-lcm');
    assert.equal(progress.length, 6, 'encode, 4 steps, decode');
    assert.equal(progress.at(-1), 1);
  });

  test('a cancelled task stops between steps, and the backend serves the next one', async () => {
    const ac = new AbortController();
    const progress: number[] = [];
    const b = backend();
    await assert.rejects(b.txt2img(req, { signal: ac.signal, timeoutMs: 60_000, onProgress: (f) => (progress.push(f), progress.length === 2 && ac.abort()) }), TaskAbortedError);
    assert.equal(progress.length, 2, 'no step ran after the cancel');
    const again = await b.txt2img(req, { signal: new AbortController().signal, timeoutMs: 60_000 });
    assert.ok(again.data.length > 0);
  });

  test('a request over its time limit fails as a timeout the client can report', async () => {
    await assert.rejects(backend().txt2img(req, { signal: new AbortController().signal, timeoutMs: 1 }), (e: unknown) => e instanceof DiffusionBackendError && e.kind === 'timeout');
  });

  test('a model file changed after install fails its checksum, as an engine error', async () => {
    const broken = mkdtempSync(path.join(os.tmpdir(), 'darkroom-backend-broken-'));
    installTinyDiffusion(broken);
    appendFileSync(path.join(broken, 'tiny-lcm', 'unet', 'model.onnx'), Buffer.from([0]));
    const b = new EmbeddedDiffusionBackend(pool, installedDiffusionModel(broken)!, broken, settings);
    await assert.rejects(b.txt2img(req, { signal: new AbortController().signal, timeoutMs: 60_000 }), (e: unknown) => e instanceof DiffusionBackendError && /checksum mismatch/.test(e.message));
  });
});
