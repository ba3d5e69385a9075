import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import { EngineError, TaskAbortedError } from '../../../src/engines/errors.js';
import { A1111Backend } from '../../../src/engines/generative/backends/a1111.js';
import { createClientFromBackends, createDiffusionClient } from '../../../src/engines/generative/backends/client.js';
import { ComfyUIBackend } from '../../../src/engines/generative/backends/comfyui.js';
import type { DiffusionBackend, InpaintRequest, Txt2ImgRequest } from '../../../src/engines/generative/backends/types.js';
import { fillWorkflow } from '../../../src/engines/generative/backends/workflows.js';
import { PAINT, seedColor, startFakeA1111, startFakeComfy } from './fake-engines.js';

const log = pino({ level: 'silent' });
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

const txt: Txt2ImgRequest = { feature: 'text-to-image', prompt: 'a red bicycle', negativePrompt: 'blurry', width: 256, height: 192, seed: 123456, settings: { steps: 20, cfgScale: 6, sampler: 'Euler a' } };

async function inpaintRequest(): Promise<InpaintRequest> {
  const image = await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 10, g: 120, b: 30 } } }).png().toBuffer();
  const maskRaw = Buffer.alloc(128 * 96);
  for (let y = 20; y < 60; y++) for (let x = 30; x < 90; x++) maskRaw[y * 128 + x] = 255;
  const mask = await sharp(maskRaw, { raw: { width: 128, height: 96, channels: 1 } }).png().toBuffer();
  return { feature: 'obj-replace', prompt: 'a vase of flowers', negativePrompt: '', width: 128, height: 96, seed: 7, image, mask, settings: { denoise: 0.8, maskBlur: 4 } };
}

async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}

const run = (signal = new AbortController().signal, timeoutMs = 5000, onProgress?: (f: number) => void) => ({ signal, timeoutMs, onProgress });

describe('AUTOMATIC1111 adapter', () => {
  it('sends txt2img with the web UI API field names and decodes the answer', async () => {
    const fake = await startFakeA1111({ delayMs: 150, holdForPolls: 2 });
    closers.push(fake.close);
    const progress: number[] = [];
    const out = await new A1111Backend(fake.url, { pollMs: 20 }).txt2img({ ...txt, settings: { ...txt.settings, checkpoint: 'sdxl.safetensors' } }, run(undefined, 5000, (f) => progress.push(f)));
    const body = fake.txt2img[0];
    assert.equal(body.prompt, 'a red bicycle');
    assert.equal(body.negative_prompt, 'blurry');
    assert.equal(body.seed, 123456);
    assert.equal(body.width, 256);
    assert.equal(body.height, 192);
    assert.equal(body.steps, 20);
    assert.equal(body.cfg_scale, 6);
    assert.equal(body.sampler_name, 'Euler a');
    assert.deepEqual(body.override_settings, { sd_model_checkpoint: 'sdxl.safetensors' });
    assert.equal(body.override_settings_restore_afterwards, true);
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.width, 256);
    assert.equal(meta.height, 192);
    assert.deepEqual(await pixel(out.data, 5, 5), seedColor(123456));
    assert.equal(out.backend, fake.url);
    assert.ok(fake.progressPolls >= 2, `progress polled (${fake.progressPolls})`);
    assert.ok(progress.some((p) => p > 0 && p < 1), `intermediate progress reported: ${progress.join(',')}`);
    assert.equal(progress.at(-1), 1);
  });

  it('inpaints through img2img with init_images, mask and the inpaint fields', async () => {
    const fake = await startFakeA1111();
    closers.push(fake.close);
    const req = await inpaintRequest();
    const out = await new A1111Backend(fake.url).inpaint(req, run());
    const body = fake.img2img[0];
    assert.equal(body.denoising_strength, 0.8);
    assert.equal(body.mask_blur, 4);
    assert.equal(body.inpainting_fill, 1, 'replacement keeps the original content under the mask');
    assert.equal(body.inpaint_full_res, false);
    assert.deepEqual(await pixel(out.data, 50, 40), [...PAINT], 'inside the mask is repainted');
    assert.deepEqual(await pixel(out.data, 5, 5), [10, 120, 30], 'outside the mask is kept');
  });

  it('removal starts from "fill" (the hole in its surroundings\' colours), not the object itself', async () => {
    const fake = await startFakeA1111();
    closers.push(fake.close);
    await new A1111Backend(fake.url).inpaint({ ...(await inpaintRequest()), feature: 'obj-removal' }, run());
    assert.equal(fake.img2img[0].inpainting_fill, 0);
  });

  it('turns an HTTP error into error_inference naming the backend', async () => {
    const fake = await startFakeA1111({ failWith: 500 });
    closers.push(fake.close);
    const client = createClientFromBackends([new A1111Backend(fake.url)], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    await assert.rejects(client.txt2img(txt, run()), (e: unknown) => e instanceof EngineError && e.code === 'error_inference' && e.message.includes('HTTP 500') && e.message.includes(fake.url));
  });

  it('times out, sends interrupt and fails with error_inference', async () => {
    const fake = await startFakeA1111({ delayMs: 5000 });
    closers.push(fake.close);
    const client = createClientFromBackends([new A1111Backend(fake.url)], log, { timeoutMs: 200, concurrencyPerBackend: 1 });
    await assert.rejects(client.txt2img(txt, run()), (e: unknown) => e instanceof EngineError && e.code === 'error_inference' && /timed out/.test(e.message));
    await waitFor(() => fake.interrupts === 1);
  });

  it('interrupts the engine when the task is abandoned', async () => {
    const fake = await startFakeA1111({ delayMs: 5000 });
    closers.push(fake.close);
    const client = createClientFromBackends([new A1111Backend(fake.url)], log, { timeoutMs: 10_000, concurrencyPerBackend: 1 });
    const ac = new AbortController();
    const p = client.txt2img(txt, run(ac.signal));
    await waitFor(() => fake.txt2img.length === 1);
    ac.abort();
    await assert.rejects(p, TaskAbortedError);
    await waitFor(() => fake.interrupts === 1);
  });
});

describe('failover and concurrency', () => {
  it('fails over to the second backend when the first errors, and remembers the failure', async () => {
    const bad = await startFakeA1111({ failWith: 503 });
    const good = await startFakeComfy();
    closers.push(bad.close, good.close);
    const client = createClientFromBackends([new A1111Backend(bad.url), new ComfyUIBackend(good.url, { pollMs: 10 })], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    const first = await client.txt2img(txt, run());
    assert.equal(first.backend, good.url);
    assert.equal(bad.txt2img.length, 1);
    // In cooldown the failed backend is tried last: the second call goes straight to the good one.
    const second = await client.txt2img(txt, run());
    assert.equal(second.backend, good.url);
    assert.equal(bad.txt2img.length, 1);
  });

  it('fails over when the first backend is unreachable', async () => {
    const good = await startFakeA1111();
    closers.push(good.close);
    const client = createClientFromBackends([new A1111Backend('http://127.0.0.1:9'), new A1111Backend(good.url)], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    const out = await client.txt2img(txt, run());
    assert.equal(out.backend, good.url);
  });

  it('runs at most concurrencyPerBackend jobs on one backend', async () => {
    const fake = await startFakeA1111({ delayMs: 80 });
    closers.push(fake.close);
    const client = createClientFromBackends([new A1111Backend(fake.url)], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    await Promise.all([1, 2, 3].map((seed) => client.txt2img({ ...txt, seed }, run())));
    assert.equal(fake.txt2img.length, 3);
    assert.equal(fake.maxInFlight, 1);
  });

  it('reports health per backend', async () => {
    const a = await startFakeA1111();
    const c = await startFakeComfy();
    closers.push(a.close, c.close);
    const client = createClientFromBackends([new A1111Backend(a.url), new ComfyUIBackend(c.url), new A1111Backend('http://127.0.0.1:9')], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    const h = await client.health();
    assert.deepEqual(h.map((x) => x.healthy), [true, true, false]);
  });

  it('is undefined without configured URLs and built from DARKROOM_*_URLS otherwise', () => {
    assert.equal(createDiffusionClient(loadConfig({}, {}), log), undefined);
    const client = createDiffusionClient(loadConfig({}, { DARKROOM_A1111_URLS: 'http://a:7860', DARKROOM_COMFYUI_URLS: 'http://c:8188,http://d:8188' }), log);
    assert.ok(client);
    assert.deepEqual(client.backends.map((b) => `${b.kind} ${b.url}`), ['a1111 http://a:7860', 'comfyui http://c:8188', 'comfyui http://d:8188']);
    assert.match(client.describe(), /AUTOMATIC1111 at http:\/\/a:7860, ComfyUI at http:\/\/c:8188/);
  });
});

describe('ComfyUI adapter', () => {
  it('queues the filled txt2img workflow with a client_id and fetches the output through /view', async () => {
    const fake = await startFakeComfy({ delayMs: 100 });
    closers.push(fake.close);
    const progress: number[] = [];
    const out = await new ComfyUIBackend(fake.url, { pollMs: 10, checkpoint: 'model.safetensors' }).txt2img(txt, run(undefined, 5000, (f) => progress.push(f)));
    const sent = fake.prompts[0];
    assert.equal(typeof sent.client_id, 'string');
    const nodes = Object.values(sent.prompt);
    const byType = (t: string) => nodes.find((n) => n.class_type === t)!;
    assert.equal(byType('CheckpointLoaderSimple').inputs.ckpt_name, 'model.safetensors');
    assert.deepEqual(nodes.filter((n) => n.class_type === 'CLIPTextEncode').map((n) => n.inputs.text), ['a red bicycle', 'blurry']);
    assert.equal(byType('EmptyLatentImage').inputs.width, 256);
    assert.equal(byType('KSampler').inputs.seed, 123456);
    assert.equal(byType('KSampler').inputs.sampler_name, 'euler_ancestral');
    assert.equal(byType('KSampler').inputs.steps, 20);
    assert.deepEqual(await pixel(out.data, 3, 3), seedColor(123456));
    assert.ok(progress.some((p) => p > 0 && p < 1), `progress while running: ${progress.join(',')}`);
    assert.ok(fake.requests.some((r) => r.path === '/view'));
  });

  it('uploads image and mask as multipart and inpaints with them', async () => {
    const fake = await startFakeComfy();
    closers.push(fake.close);
    const req = await inpaintRequest();
    const out = await new ComfyUIBackend(fake.url, { pollMs: 10 }).inpaint(req, run());
    assert.equal(fake.uploads.size, 2);
    for (const u of fake.uploads.values()) {
      assert.equal(u.fields.type, 'input');
      assert.equal(u.fields.overwrite, 'true');
    }
    const nodes = Object.values(fake.prompts[0].prompt);
    assert.ok(fake.uploads.has(nodes.find((n) => n.class_type === 'LoadImage')!.inputs.image as string));
    // Not VAEEncodeForInpaint (meant for inpainting checkpoints only): InpaintModelConditioning with a
    // grown, feathered mask, and the result composited back through the same mask.
    assert.equal(nodes.some((n) => n.class_type === 'VAEEncodeForInpaint'), false);
    const graph = fake.prompts[0].prompt;
    const id = (t: string) => Object.entries(graph).find(([, n]) => n.class_type === t)![0];
    assert.equal(graph[id('GrowMask')].inputs.expand, 4);
    assert.equal(graph[id('ImageBlur')].inputs.blur_radius, 4);
    assert.deepEqual(graph[id('InpaintModelConditioning')].inputs.mask, [id('ImageToMask'), 0]);
    assert.deepEqual(graph[id('KSampler')].inputs.latent_image, [id('InpaintModelConditioning'), 2]);
    assert.deepEqual(graph[id('ImageCompositeMasked')].inputs.mask, [id('ImageToMask'), 0]);
    assert.deepEqual(graph[id('SaveImage')].inputs.images, [id('ImageCompositeMasked'), 0]);
    assert.equal(nodes.find((n) => n.class_type === 'KSampler')!.inputs.denoise, 0.8);
    assert.deepEqual(await pixel(out.data, 50, 40), [...PAINT]);
    assert.deepEqual(await pixel(out.data, 5, 5), [10, 120, 30]);
  });

  it('reports a failed workflow with the engine exception', async () => {
    const fake = await startFakeComfy({ workflowError: 'ckpt sd_xl_base_1.0.safetensors not found' });
    closers.push(fake.close);
    const client = createClientFromBackends([new ComfyUIBackend(fake.url, { pollMs: 10 })], log, { timeoutMs: 5000, concurrencyPerBackend: 1 });
    await assert.rejects(client.txt2img(txt, run()), (e: unknown) => e instanceof EngineError && e.code === 'error_inference' && e.message.includes('not found'));
  });

  it('interrupts a running prompt when the task is abandoned', async () => {
    const fake = await startFakeComfy({ delayMs: 5000 });
    closers.push(fake.close);
    const ac = new AbortController();
    const p = new ComfyUIBackend(fake.url, { pollMs: 10 }).txt2img(txt, run(ac.signal));
    await waitFor(() => fake.requests.some((r) => r.path.startsWith('/history/')));
    ac.abort();
    await assert.rejects(p, TaskAbortedError);
    await waitFor(() => fake.interrupts === 1);
    assert.equal(fake.deleted.length, 0);
  });

  /** Abandons a prompt ComfyUI holds in its queue; it must be deleted from the queue, never interrupted. */
  async function abandonQueuedPrompt(behaviour: Parameters<typeof startFakeComfy>[0]): Promise<void> {
    const fake = await startFakeComfy(behaviour);
    closers.push(fake.close);
    fake.hold = true;
    const ac = new AbortController();
    const p = new ComfyUIBackend(fake.url, { pollMs: 10 }).txt2img(txt, run(ac.signal));
    await waitFor(() => fake.prompts.length === 1);
    ac.abort();
    await assert.rejects(p, TaskAbortedError);
    await waitFor(() => fake.deleted.length === 1);
    assert.equal(fake.interrupts, 0);
  }

  it('removes a still-pending prompt from the queue instead of interrupting another job', () => abandonQueuedPrompt({}));

  it('removes a prompt abandoned while ComfyUI was still answering with its id', () => abandonQueuedPrompt({ answerPromptAfterMs: 300 }));
});

describe('workflow templates', () => {
  it('fills whole-string placeholders with typed values and inner ones as text', () => {
    const g = fillWorkflow({ '1': { class_type: 'X', inputs: { seed: '{{seed}}', text: 'a {{prompt}}!', link: ['2', 0] } } }, { seed: 42, prompt: 'cat' });
    assert.deepEqual(g['1'].inputs, { seed: 42, text: 'a cat!', link: ['2', 0] });
    assert.throws(() => fillWorkflow({ '1': { class_type: 'X', inputs: { a: '{{nope}}' } } }, {}), /nope/);
  });
});

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  // A deadline for a loaded CI machine, not a timing assertion.
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Type check: the interface is what both adapters implement.
const _adapters: DiffusionBackend[] = [new A1111Backend('http://x'), new ComfyUIBackend('http://y')];
void _adapters;
