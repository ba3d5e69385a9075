/**
 * Local stand-ins for AUTOMATIC1111 and ComfyUI that speak their HTTP protocols (127.0.0.1, random
 * port). They check request shapes strictly and answer images computed from the request: txt2img a
 * flat colour from the seed, inpaint the input with the mask's white area painted magenta.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export const PAINT = [255, 0, 255] as const;

export function seedColor(seed: number): [number, number, number] {
  return [seed % 251, (seed >>> 8) % 241, (seed >>> 16) % 239];
}

async function flat(width: number, height: number, seed: number): Promise<Buffer> {
  const [r, g, b] = seedColor(seed);
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

/** The image with the mask's white (>127, red channel) painted magenta, as PNG. */
export async function paintMask(image: Buffer, mask: Buffer): Promise<{ png: Buffer; width: number; height: number }> {
  const img = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const m = await sharp(mask).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(m.info.width, img.info.width, 'mask width equals image width');
  assert.equal(m.info.height, img.info.height, 'mask height equals image height');
  const px = img.data;
  for (let i = 0, j = 0; i < px.length; i += 3, j += m.info.channels) {
    if (m.data[j] > 127) [px[i], px[i + 1], px[i + 2]] = PAINT;
  }
  return { png: await sharp(px, { raw: { width: img.info.width, height: img.info.height, channels: 3 } }).png().toBuffer(), width: img.info.width, height: img.info.height };
}

export interface FakeBehaviour {
  /** Answer every generation with this HTTP status. */
  failWith?: number;
  /** A generation takes this long (interrupt ends it early). */
  delayMs?: number;
  /** ComfyUI: the workflow fails with this exception message. */
  workflowError?: string;
  /** AUTOMATIC1111: a generation also waits until its progress was polled this often (no timing race). */
  holdForPolls?: number;
  /** ComfyUI: a prompt is queued at once but its id is answered this much later. */
  answerPromptAfterMs?: number;
}

interface Base {
  url: string;
  requests: { method: string; path: string; body?: unknown }[];
  interrupts: number;
  maxInFlight: number;
  behaviour: FakeBehaviour;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': Buffer.isBuffer(body) ? 'image/png' : typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(data);
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
}

/** Waits `ms` unless interrupted. */
function work(ms: number, job: { interrupted: boolean; polls?: number }, holdForPolls = 0): Promise<void> {
  return new Promise((resolve) => {
    const start = Date.now();
    const tick = () => (job.interrupted || (Date.now() - start >= ms && (job.polls ?? 0) >= holdForPolls) ? resolve() : setTimeout(tick, 5));
    tick();
  });
}

const isInt = (v: unknown) => Number.isInteger(v);

// ---------------------------------------------------------------- AUTOMATIC1111

export interface FakeA1111 extends Base {
  txt2img: Record<string, unknown>[];
  img2img: Record<string, unknown>[];
  progressPolls: number;
}

export async function startFakeA1111(behaviour: FakeBehaviour = {}): Promise<FakeA1111> {
  let current: { started: number; ms: number; interrupted: boolean; polls: number } | undefined;
  let inFlight = 0;
  const fake: FakeA1111 = { url: '', requests: [], interrupts: 0, maxInFlight: 0, behaviour, txt2img: [], img2img: [], progressPolls: 0, close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    const body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    fake.requests.push({ method: req.method ?? '', path: url.pathname, body });
    try {
      if (req.method === 'GET' && url.pathname === '/sdapi/v1/progress') {
        fake.progressPolls++;
        if (current) current.polls++;
        const p = current ? Math.max(0.01, Math.min(0.99, (Date.now() - current.started) / current.ms)) : 0;
        return send(res, 200, { progress: p, eta_relative: 0, state: { skipped: false, interrupted: current?.interrupted ?? false, job: '', job_count: current ? 1 : 0, job_timestamp: '0', job_no: 0, sampling_step: 0, sampling_steps: 25 }, current_image: null, textinfo: null });
      }
      if (req.method === 'POST' && url.pathname === '/sdapi/v1/interrupt') {
        fake.interrupts++;
        if (current) current.interrupted = true;
        return send(res, 200, {});
      }
      const isTxt = url.pathname === '/sdapi/v1/txt2img';
      const isImg = url.pathname === '/sdapi/v1/img2img';
      if (req.method !== 'POST' || (!isTxt && !isImg)) return send(res, 404, { detail: 'Not Found' });
      (isTxt ? fake.txt2img : fake.img2img).push(body);
      inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
      try {
        if (behaviour.failWith) return send(res, behaviour.failWith, { error: 'RuntimeError', detail: 'CUDA out of memory', body: '', errors: '' });
        // Request shape, field by field, as the web UI's API models name them.
        assert.equal(typeof body.prompt, 'string');
        assert.equal(typeof body.negative_prompt, 'string');
        assert.ok(isInt(body.seed) && body.seed >= 0, 'seed is a non-negative integer');
        assert.ok(isInt(body.width) && body.width % 8 === 0, 'width is a multiple of 8');
        assert.ok(isInt(body.height) && body.height % 8 === 0, 'height is a multiple of 8');
        assert.ok(isInt(body.steps) && body.steps > 0);
        assert.equal(typeof body.cfg_scale, 'number');
        assert.equal(typeof body.sampler_name, 'string');
        assert.equal(body.batch_size, 1);
        assert.equal(body.n_iter, 1);
        const job = { started: Date.now(), ms: behaviour.delayMs ?? 30, interrupted: false, polls: 0 };
        current = job;
        await work(job.ms, job, behaviour.holdForPolls);
        current = undefined;
        let png: Buffer;
        if (isTxt) {
          png = await flat(body.width, body.height, body.seed);
        } else {
          assert.ok(Array.isArray(body.init_images) && body.init_images.length === 1, 'one init image');
          assert.equal(typeof body.mask, 'string');
          assert.equal(typeof body.denoising_strength, 'number');
          assert.ok(isInt(body.inpainting_fill) && body.inpainting_fill >= 0 && body.inpainting_fill <= 3);
          assert.ok(isInt(body.mask_blur));
          assert.equal(typeof body.inpaint_full_res, 'boolean');
          assert.equal(body.inpainting_mask_invert, 0);
          const image = Buffer.from(body.init_images[0], 'base64');
          const meta = await sharp(image).metadata();
          assert.equal(meta.width, body.width, 'init image has the requested width');
          assert.equal(meta.height, body.height, 'init image has the requested height');
          png = (await paintMask(image, Buffer.from(body.mask, 'base64'))).png;
        }
        return send(res, 200, { images: [png.toString('base64')], parameters: body, info: JSON.stringify({ seed: body.seed, all_seeds: [body.seed] }) });
      } finally {
        inFlight--;
      }
    } catch (e) {
      return send(res, 422, { detail: `fake A1111 rejected the request: ${(e as Error).message}` });
    }
  });
  fake.url = await listen(server);
  fake.close = closer(server);
  return fake;
}

// ---------------------------------------------------------------- ComfyUI

interface ComfyJob {
  id: string;
  number: number;
  graph: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  clientId: string;
  state: 'pending' | 'running' | 'done';
  interrupted: boolean;
}

export interface FakeComfy extends Base {
  uploads: Map<string, { data: Buffer; fields: Record<string, string> }>;
  prompts: { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>; client_id: string }[];
  deleted: string[];
  /** Hold the next jobs in the queue (pending) until released. */
  hold: boolean;
}

export async function startFakeComfy(behaviour: FakeBehaviour = {}): Promise<FakeComfy> {
  const jobs: ComfyJob[] = [];
  const history = new Map<string, unknown>();
  const outputs = new Map<string, Buffer>();
  let number = 0;
  let running: ComfyJob | undefined;
  const fake: FakeComfy = { url: '', requests: [], interrupts: 0, maxInFlight: 0, behaviour, uploads: new Map(), prompts: [], deleted: [], hold: false, close: async () => undefined };

  async function execute(job: ComfyJob): Promise<void> {
    const g = job.graph;
    const node = (type: string) => Object.entries(g).find(([, n]) => n.class_type === type);
    const sampler = Object.values(g).find((n) => n.class_type === 'KSampler');
    assert.ok(sampler, 'graph has a KSampler');
    const seed = sampler.inputs.seed as number;
    let png: Buffer;
    const load = node('LoadImage');
    if (load) {
      const maskNode = node('LoadImageMask');
      assert.ok(maskNode, 'inpaint graph loads a mask');
      assert.equal(maskNode[1].inputs.channel, 'red');
      const img = fake.uploads.get(load[1].inputs.image as string);
      const mask = fake.uploads.get(maskNode[1].inputs.image as string);
      assert.ok(img && mask, 'LoadImage/LoadImageMask name uploaded files');
      png = (await paintMask(img.data, mask.data)).png;
    } else {
      const latent = node('EmptyLatentImage');
      assert.ok(latent, 'txt2img graph has an EmptyLatentImage');
      png = await flat(latent[1].inputs.width as number, latent[1].inputs.height as number, seed);
    }
    await work(behaviour.delayMs ?? 30, job);
    const saveId = node('SaveImage')?.[0];
    assert.ok(saveId, 'graph ends in SaveImage');
    const base = { prompt: [job.number, job.id, job.graph, { client_id: job.clientId }, [saveId]] };
    if (job.interrupted) {
      history.set(job.id, { ...base, outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_interrupted', { prompt_id: job.id }]] } });
    } else if (behaviour.workflowError) {
      history.set(job.id, { ...base, outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_start', {}], ['execution_error', { prompt_id: job.id, node_id: '1', node_type: 'CheckpointLoaderSimple', exception_message: behaviour.workflowError, exception_type: 'FileNotFoundError' }]] } });
    } else {
      const filename = `ComfyUI_${String(outputs.size + 1).padStart(5, '0')}_.png`;
      outputs.set(`darkroom/${filename}`, png);
      history.set(job.id, { ...base, outputs: { [saveId]: { images: [{ filename, subfolder: 'darkroom', type: 'output' }] } }, status: { status_str: 'success', completed: true, messages: [] } });
    }
  }

  async function pump(): Promise<void> {
    if (running || fake.hold) return;
    const next = jobs.find((j) => j.state === 'pending');
    if (!next) return;
    running = next;
    next.state = 'running';
    fake.maxInFlight = Math.max(fake.maxInFlight, 1);
    try {
      await execute(next);
    } catch (e) {
      history.set(next.id, { outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_error', { node_type: 'fake', exception_message: `fake ComfyUI rejected the graph: ${(e as Error).message}` }]] } });
    }
    next.state = 'done';
    running = undefined;
    void pump();
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    const ctype = req.headers['content-type'] ?? '';
    const body = ctype.includes('application/json') && raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    fake.requests.push({ method: req.method ?? '', path: url.pathname, body });
    const p = url.pathname;
    if (req.method === 'GET' && p === '/system_stats') return send(res, 200, { system: { os: 'posix', comfyui_version: 'fake' }, devices: [] });
    if (req.method === 'POST' && p === '/upload/image') {
      assert.ok(ctype.startsWith('multipart/form-data'), 'upload is multipart');
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': ctype } }).formData();
      const file = form.get('image');
      if (!(file instanceof Blob)) return send(res, 400, '');
      const name = (file as File).name;
      const fields: Record<string, string> = {};
      for (const [k, v] of (form as unknown as Iterable<[string, unknown]>)) if (typeof v === 'string') fields[k] = v;
      fake.uploads.set(name, { data: Buffer.from(await file.arrayBuffer()), fields });
      return send(res, 200, { name, subfolder: '', type: fields.type ?? 'input' });
    }
    if (req.method === 'POST' && p === '/prompt') {
      if (behaviour.failWith) return send(res, behaviour.failWith, { error: { type: 'server_error', message: 'fake failure' }, node_errors: {} });
      const graph = body?.prompt;
      const problems: string[] = [];
      if (typeof body?.client_id !== 'string') problems.push('client_id missing');
      if (typeof graph !== 'object' || graph === null) problems.push('prompt is not a graph');
      else {
        const text = JSON.stringify(graph);
        if (text.includes('{{')) problems.push('unfilled placeholder');
        for (const [id, n] of Object.entries(graph as Record<string, { class_type?: unknown; inputs?: Record<string, unknown> }>)) {
          if (typeof n.class_type !== 'string' || typeof n.inputs !== 'object') problems.push(`node ${id} malformed`);
          if (n.class_type === 'KSampler') {
            for (const k of ['seed', 'steps']) if (!isInt(n.inputs?.[k])) problems.push(`KSampler.${k} is not an integer`);
            for (const k of ['cfg', 'denoise']) if (typeof n.inputs?.[k] !== 'number') problems.push(`KSampler.${k} is not a number`);
            for (const k of ['sampler_name', 'scheduler']) if (typeof n.inputs?.[k] !== 'string') problems.push(`KSampler.${k} is not a string`);
          }
          if (n.class_type === 'EmptyLatentImage') for (const k of ['width', 'height']) if (!isInt(n.inputs?.[k])) problems.push(`EmptyLatentImage.${k} is not an integer`);
          if ((n.class_type === 'LoadImage' || n.class_type === 'LoadImageMask') && !fake.uploads.has(n.inputs?.image as string)) problems.push(`${n.class_type} names a file never uploaded`);
        }
      }
      if (problems.length) return send(res, 400, { error: { type: 'prompt_outputs_failed_validation', message: problems.join('; ') }, node_errors: {} });
      fake.prompts.push(body);
      const job: ComfyJob = { id: randomUUID(), number: number++, graph, clientId: body.client_id, state: 'pending', interrupted: false };
      jobs.push(job);
      setImmediate(() => void pump());
      if (behaviour.answerPromptAfterMs) await new Promise((r) => setTimeout(r, behaviour.answerPromptAfterMs));
      return send(res, 200, { prompt_id: job.id, number: job.number, node_errors: {} });
    }
    if (req.method === 'GET' && p === '/queue') {
      const entry = (j: ComfyJob) => [j.number, j.id, j.graph, { client_id: j.clientId }, []];
      return send(res, 200, { queue_running: jobs.filter((j) => j.state === 'running').map(entry), queue_pending: jobs.filter((j) => j.state === 'pending').map(entry) });
    }
    if (req.method === 'POST' && p === '/queue') {
      for (const id of body?.delete ?? []) {
        const i = jobs.findIndex((j) => j.id === id && j.state === 'pending');
        if (i >= 0) {
          jobs.splice(i, 1);
          fake.deleted.push(id);
        }
      }
      return send(res, 200, '');
    }
    if (req.method === 'POST' && p === '/interrupt') {
      fake.interrupts++;
      if (running) running.interrupted = true;
      return send(res, 200, '');
    }
    const h = /^\/history\/(.+)$/.exec(p);
    if (req.method === 'GET' && h) {
      const id = decodeURIComponent(h[1]);
      return send(res, 200, history.has(id) ? { [id]: history.get(id) } : {});
    }
    if (req.method === 'GET' && p === '/view') {
      const key = `${url.searchParams.get('subfolder') ? url.searchParams.get('subfolder') + '/' : ''}${url.searchParams.get('filename')}`;
      assert.equal(url.searchParams.get('type'), 'output');
      const data = outputs.get(key);
      return data ? send(res, 200, data) : send(res, 404, '');
    }
    return send(res, 404, '');
  });
  fake.url = await listen(server);
  fake.close = closer(server);
  // Released holds start the queue again.
  const release = setInterval(() => void pump(), 10);
  const close = closer(server);
  fake.close = async () => {
    clearInterval(release);
    await close();
  };
  return fake;
}
