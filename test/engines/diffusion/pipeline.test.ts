/**
 * The pipeline and each network call on tiny ONNX models of the export's real signatures, run
 * in-process through the kernel functions the pool threads run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { encodeTextKernel, unetCondDimKernel, unetKernel, vaeDecodeKernel, vaeEncodeKernel, type PipelineFiles } from '../../../src/engines/diffusion/diffusion-kernel.js';
import { latentMask } from '../../../src/engines/diffusion/latents.js';
import { generate, type DiffusionRunner } from '../../../src/engines/diffusion/pipeline.js';
import { loadClipTokenizer } from '../../../src/engines/diffusion/tokenizer.js';
import { TaskAbortedError } from '../../../src/engines/errors.js';
import { FLOAT, INT64 } from '../../helpers/tiny-onnx.js';
import { COND, HIDDEN, writeTinyDiffusion, type TinyDiffusionOptions } from './tiny-diffusion.js';

function tinyModel(o: TinyDiffusionOptions = {}): { files: PipelineFiles; tokenizerDir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-sd-'));
  writeTinyDiffusion(dir, o);
  const at = (p: string) => path.join(dir, p, 'model.onnx');
  return { files: { textEncoder: at('text_encoder'), unet: at('unet'), vaeDecoder: at('vae_decoder'), vaeEncoder: at('vae_encoder') }, tokenizerDir: path.join(dir, 'tokenizer') };
}

/** The kernel functions called directly, with every UNet call recorded. */
function directRunner(files: PipelineFiles, calls: { timestep: number; cond?: Float32Array; sample: Float32Array }[] = [], decoded: Float32Array[] = []): DiffusionRunner {
  return {
    encodeText: (ids) => encodeTextKernel({ files, ids }),
    condDim: () => unetCondDimKernel({ files }),
    unet: (req) => (calls.push({ timestep: req.timestep, cond: req.cond, sample: req.sample }), unetKernel({ files, ...req })),
    vaeEncode: (rgb, width, height) => vaeEncodeKernel({ files, rgb, width, height }),
    vaeDecode: (latents, latentWidth, latentHeight) => (decoded.push(latents), vaeDecodeKernel({ files, latents, latentWidth, latentHeight })),
  };
}

const SCALE = 0.18215;

describe('diffusion networks on tiny ONNX models of the export signatures', () => {
  const { files, tokenizerDir } = tinyModel();
  const tok = loadClipTokenizer(tokenizerDir);

  test('text encoder: int32 ids in, one hidden row per token out', async () => {
    const ids = tok.encode('red cat');
    const { hidden, dims } = await encodeTextKernel({ files, ids });
    assert.deepEqual(dims, [1, 77, HIDDEN]);
    for (const [pos, id] of [[0, ids[0]], [1, ids[1]], [2, ids[2]]] as const) assert.ok(Math.abs(hidden[pos * HIDDEN + 3] - 0.5 * Math.sin(0.7 * id + 3)) < 1e-6, `row ${pos} is token ${id}'s`);
  });

  test('UNet: int64 timestep and the guidance embedding reach the model', async () => {
    assert.equal(await unetCondDimKernel({ files }), COND);
    const { hidden, dims } = await encodeTextKernel({ files, ids: tok.encode('cat') });
    const sample = new Float32Array(4 * 8 * 8).fill(1);
    const cond = new Float32Array(COND).fill(2);
    const eps = await unetKernel({ files, sample, latentWidth: 8, latentHeight: 8, timestep: 500, hidden, hiddenDims: dims, cond });
    const textMean = hidden.reduce((a, b) => a + b, 0) / hidden.length;
    assert.ok(Math.abs(eps[0] - (1 - 0.05 * textMean - 0.002 + 0.005)) < 1e-5, `ε ${eps[0]}`);
  });

  test('UNet weights live in the external model.onnx_data beside the graph, as in the real export', async () => {
    const other = tinyModel();
    rmSync(path.join(path.dirname(other.files.unet), 'model.onnx_data'));
    const { hidden, dims } = await encodeTextKernel({ files, ids: tok.encode('cat') });
    await assert.rejects(unetKernel({ files: other.files, sample: new Float32Array(4 * 64), latentWidth: 8, latentHeight: 8, timestep: 999, hidden, hiddenDims: dims, cond: new Float32Array(COND) }));
  });

  test('VAE: −1…1 in, latents of an eighth the size out (4-channel sample or 8-channel parameters), and back', async () => {
    const rgb = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 16 * 16; i++) rgb.set([255, 0, 128], 3 * i);
    const lat = await vaeEncodeKernel({ files, rgb, width: 16, height: 16 });
    assert.equal(lat.length, 4 * 2 * 2);
    assert.ok(Math.abs(lat[0] - 2) < 1e-6 && Math.abs(lat[4] + 2) < 1e-6 && lat[12] === 0, 'channel means ×2');
    const params = tinyModel({ encoderParameters: true }).files;
    assert.deepEqual(await vaeEncodeKernel({ files: params, rgb, width: 16, height: 16 }), lat, 'the mean of latent_parameters');
    const back = await vaeDecodeKernel({ files, latents: lat, latentWidth: 2, latentHeight: 2 });
    assert.equal(back.length, rgb.length);
    assert.deepEqual([...back.subarray(0, 3)], [255, 0, 128]);
  });

  test('an int64 text encoder and a float timestep are fed their own types', async () => {
    const other = tinyModel({ idsType: INT64, timestepType: FLOAT }).files;
    const { hidden, dims } = await encodeTextKernel({ files: other, ids: tok.encode('dog') });
    const eps = await unetKernel({ files: other, sample: new Float32Array(4 * 64), latentWidth: 8, latentHeight: 8, timestep: 999, hidden, hiddenDims: dims, cond: new Float32Array(COND) });
    assert.equal(eps.length, 4 * 64);
  });
});

describe('LCM pipeline', () => {
  const { files, tokenizerDir } = tinyModel();
  const tok = loadClipTokenizer(tokenizerDir);
  const base = { width: 64, height: 48, steps: 4, guidanceScale: 8.5, strength: 1, scalingFactor: SCALE };

  test('text-to-image: the schedule 999, 759, 499, 259 with the guidance embedding; one seed, one image; prompt and seed matter', async () => {
    const calls: { timestep: number; cond?: Float32Array }[] = [];
    const progress: number[] = [];
    const a = await generate(directRunner(files, calls as never), { ...base, ids: tok.encode('red cat'), seed: 7 }, { onProgress: (f) => progress.push(f) });
    assert.equal(a.length, 64 * 48 * 3);
    assert.deepEqual(calls.map((c) => c.timestep), [999, 759, 499, 259]);
    assert.equal(calls[0].cond?.length, COND);
    assert.ok(Math.abs(calls[0].cond![0] - Math.sin(7500)) < 1e-4);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6].map((k) => k / 6));
    const again = await generate(directRunner(files), { ...base, ids: tok.encode('red cat'), seed: 7 });
    assert.deepEqual(again, a, 'same seed, same pixels');
    const otherSeed = await generate(directRunner(files), { ...base, ids: tok.encode('red cat'), seed: 8 });
    const otherPrompt = await generate(directRunner(files), { ...base, ids: tok.encode('dog'), seed: 7 });
    assert.notDeepEqual(otherSeed, a);
    assert.notDeepEqual(otherPrompt, a);
  });

  test('the decoder gets the last step\'s denoised latents divided by the scaling factor', async () => {
    const calls: { timestep: number; sample: Float32Array }[] = [];
    const decoded: Float32Array[] = [];
    const runner = directRunner(files, calls as never, decoded);
    let lastEps: Float32Array | undefined;
    const spy: DiffusionRunner = { ...runner, unet: async (req) => (lastEps = await runner.unet(req)) };
    await generate(spy, { ...base, ids: tok.encode('cat'), seed: 3 });
    const { alphasCumprod, boundaryScalings } = await import('../../../src/engines/diffusion/scheduler.js');
    const a = alphasCumprod()[259], { cSkip, cOut } = boundaryScalings(259);
    const x = calls[3].sample[10], e = lastEps![10];
    const want = (cOut * ((x - Math.sqrt(1 - a) * e) / Math.sqrt(a)) + cSkip * x) / SCALE;
    assert.ok(Math.abs(decoded[0][10] - want) < 1e-4 * Math.max(1, Math.abs(want)), `${decoded[0][10]} vs ${want}`);
  });

  test('inpainting: outside the grown mask the final latents are the photo\'s own; inside they are generated', async () => {
    const W = 64, H = 64;
    const image = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) image.set([(i % W) * 4, 90, 200 - (i % 50)], 3 * i);
    const mask = new Uint8Array(W * H);
    for (let y = 24; y < 40; y++) mask.fill(255, y * W + 24, y * W + 40);
    const decoded: Float32Array[] = [];
    await generate(directRunner(files, [], decoded), { ...base, width: W, height: H, ids: tok.encode('red dog'), seed: 5, image, mask });
    const known = await vaeEncodeKernel({ files, rgb: image, width: W, height: H });
    const m = latentMask(mask, W, H);
    const plane = (W / 8) * (H / 8);
    let outside = 0, inside = 0, changed = 0;
    for (let i = 0; i < decoded[0].length; i++) {
      const w = m[i % plane];
      if (w === 0) {
        outside++;
        assert.ok(Math.abs(decoded[0][i] - known[i]) < 1e-5, `cell ${i} outside the mask kept`);
      } else if (w === 1) {
        inside++;
        if (Math.abs(decoded[0][i] - known[i]) > 1e-3) changed++;
      }
    }
    assert.ok(outside > 0 && inside >= 4 * 4, `${outside} outside, ${inside} inside`);
    assert.ok(changed > inside / 2, `the masked cells were generated (${changed}/${inside})`);
  });

  test('the latent mask covers every touched cell, grows by one and feathers one more outwards', () => {
    const mask = new Uint8Array(64 * 64);
    mask[30 * 64 + 30] = 255; // one pixel, in cell (3, 3)
    const m = latentMask(mask, 64, 64);
    const at = (x: number, y: number) => m[y * 8 + x];
    assert.equal(at(3, 3), 1);
    for (const [x, y] of [[2, 2], [4, 4], [2, 4]]) assert.equal(at(x, y), 1, `grown to (${x},${y})`);
    assert.ok(at(1, 3) > 0 && at(1, 3) < 1, 'feathered rim');
    assert.equal(at(0, 3), 0);
    assert.equal(at(7, 7), 0);
  });

  test('a strength below 1 starts part-way from the noised photo', async () => {
    const calls: { timestep: number }[] = [];
    const image = new Uint8Array(64 * 64 * 3).fill(120);
    const mask = new Uint8Array(64 * 64).fill(255);
    await generate(directRunner(files, calls as never), { ...base, width: 64, height: 64, strength: 0.5, ids: tok.encode('cat'), seed: 1, image, mask });
    assert.deepEqual(calls.map((c) => c.timestep), [499, 379, 259, 139]);
  });

  test('cancel between steps: no UNet call after the signal', async () => {
    const ac = new AbortController();
    const calls: { timestep: number }[] = [];
    const runner = directRunner(files, calls as never);
    const stopping: DiffusionRunner = { ...runner, unet: async (req) => { const r = await runner.unet(req); if (calls.length === 2) ac.abort(); return r; } };
    await assert.rejects(generate(stopping, { ...base, ids: tok.encode('cat'), seed: 1 }, { signal: ac.signal }), TaskAbortedError);
    assert.equal(calls.length, 2);
  });
});
