import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { TaskAbortedError } from '../../errors.js';
import { callBackend, joinUrl, readBytes, readJson } from './http.js';
import {
  DiffusionBackendError,
  type DiffusionBackend,
  type GeneratedImage,
  type InpaintRequest,
  type RunOptions,
  type Txt2ImgRequest,
} from './types.js';
import { DEFAULT_WORKFLOWS_DIR, fillWorkflow, loadWorkflow, type WorkflowValues } from './workflows.js';

interface PromptAnswer {
  prompt_id?: string;
  number?: number;
  node_errors?: unknown;
}

interface OutputFile {
  filename: string;
  subfolder?: string;
  type?: string;
}

interface HistoryEntry {
  outputs?: Record<string, { images?: OutputFile[] }>;
  status?: { status_str?: string; completed?: boolean; messages?: [string, Record<string, unknown>][] };
}

/** `queue_running`/`queue_pending` entries are `[number, prompt_id, prompt, extra_data, outputs]`. */
interface QueueAnswer {
  queue_running?: unknown[][];
  queue_pending?: unknown[][];
}

export interface ComfyUIOptions {
  pollMs?: number;
  workflowsDir?: string;
  /** `ckpt_name` when neither the style nor the request names one. */
  checkpoint?: string;
  /** A generation usually takes this long; drives the progress estimate while polling. */
  expectedMs?: number;
}

/** A1111 sampler names as styles spell them → ComfyUI `sampler_name` ids. */
const SAMPLERS: Record<string, string> = {
  euler: 'euler',
  'euler a': 'euler_ancestral',
  'dpm++ 2m': 'dpmpp_2m',
  'dpm++ 2m sde': 'dpmpp_2m_sde',
  'dpm++ sde': 'dpmpp_sde',
  ddim: 'ddim',
  unipc: 'uni_pc',
  lms: 'lms',
  heun: 'heun',
};

export function comfySampler(name: string | undefined): string {
  if (!name) return 'dpmpp_2m';
  const key = name.trim().toLowerCase();
  return SAMPLERS[key] ?? key.replace(/\+\+/g, 'pp').replace(/[\s-]+/g, '_');
}

/**
 * ComfyUI: images go up through `POST /upload/image` (multipart), the feature's workflow template is
 * filled and queued with `POST /prompt`, completion is polled on `GET /history/{prompt_id}` (with
 * `GET /queue` for a progress estimate), the result comes from `GET /view`. Cancelling removes a
 * pending prompt from the queue, or sends `POST /interrupt` when it is the one running.
 */
export class ComfyUIBackend implements DiffusionBackend {
  readonly kind = 'comfyui';
  private readonly pollMs: number;
  private readonly workflowsDir: string;
  private readonly checkpoint: string;
  private readonly expectedMs: number;
  private readonly clientId = randomUUID();

  constructor(
    readonly url: string,
    opts: ComfyUIOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.workflowsDir = opts.workflowsDir ?? DEFAULT_WORKFLOWS_DIR;
    this.checkpoint = opts.checkpoint ?? 'sd_xl_base_1.0.safetensors';
    this.expectedMs = opts.expectedMs ?? 20_000;
  }

  async txt2img(req: Txt2ImgRequest, opts: RunOptions): Promise<GeneratedImage> {
    return this.run(req, 'txt2img', opts, async () => ({}));
  }

  async inpaint(req: InpaintRequest, opts: RunOptions): Promise<GeneratedImage> {
    return this.run(req, 'inpaint', opts, async (signal, deadline) => {
      const stem = `darkroom-${randomUUID()}`;
      const image = await this.upload(`${stem}-image.png`, req.image, signal, deadline);
      const mask = await this.upload(`${stem}-mask.png`, req.mask, signal, deadline);
      return { image, mask };
    });
  }

  async progress(signal?: AbortSignal): Promise<number | undefined> {
    const q = await this.queue(signal ?? new AbortController().signal, AbortSignal.timeout(5000));
    return (q.queue_running?.length ?? 0) > 0 ? undefined : 0;
  }

  async interrupt(): Promise<void> {
    await callBackend(this.url, joinUrl(this.url, '/interrupt'), { method: 'POST', signal: new AbortController().signal, deadline: AbortSignal.timeout(5000) });
  }

  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      const deadline = AbortSignal.timeout(5000);
      const sig = signal ?? new AbortController().signal;
      const res = await callBackend(this.url, joinUrl(this.url, '/system_stats'), { method: 'GET', signal: sig, deadline });
      await readJson(this.url, res, sig, deadline);
      return true;
    } catch {
      return false;
    }
  }

  private async run(
    req: Txt2ImgRequest,
    kind: 'txt2img' | 'inpaint',
    opts: RunOptions,
    uploads: (signal: AbortSignal, deadline: AbortSignal) => Promise<Record<string, string>>,
  ): Promise<GeneratedImage> {
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    let template;
    try {
      template = loadWorkflow(this.workflowsDir, req.feature, kind);
    } catch (e) {
      throw new DiffusionBackendError(this.url, (e as Error).message, 'protocol');
    }
    const files = await uploads(opts.signal, deadline);
    const s = req.settings;
    const values: WorkflowValues = {
      feature: req.feature,
      prompt: req.prompt,
      negative: req.negativePrompt,
      seed: req.seed,
      width: req.width,
      height: req.height,
      steps: s.steps ?? 25,
      cfg: s.cfgScale ?? 7,
      sampler: comfySampler(s.sampler),
      scheduler: (s.scheduler ?? 'karras').toLowerCase(),
      denoise: s.denoise ?? 1,
      grow_mask: Math.round(s.maskBlur ?? 6),
      // The grown mask's edge is feathered over about as many pixels (ImageBlur takes a radius of 1..31).
      feather: Math.max(1, Math.min(31, Math.round(s.maskBlur ?? 6))),
      feather_sigma: Math.max(0.5, Math.min(10, (s.maskBlur ?? 6) / 2)),
      checkpoint: s.checkpoint ?? this.checkpoint,
      ...files,
    };
    let graph;
    try {
      graph = fillWorkflow(template.graph, values);
    } catch (e) {
      throw new DiffusionBackendError(this.url, `${template.file}: ${(e as Error).message}`, 'protocol');
    }
    // Never abandoned half-way: a prompt the server queued whose id we never read would run for nobody,
    // so an abort during the request is acted on once the id is known (the catch below cancels it).
    const promptId = await this.queuePrompt(graph, new AbortController().signal, deadline);
    try {
      const file = await this.waitForOutput(promptId, opts, deadline);
      const data = await this.view(file, opts.signal, deadline);
      opts.onProgress?.(1);
      return { data, backend: this.url };
    } catch (e) {
      if (opts.signal.aborted || deadline.aborted) await this.cancel(promptId);
      throw e;
    }
  }

  private async upload(name: string, data: Buffer, signal: AbortSignal, deadline: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(data)], { type: 'image/png' }), name);
    form.append('type', 'input');
    form.append('overwrite', 'true');
    const res = await callBackend(this.url, joinUrl(this.url, '/upload/image'), { method: 'POST', body: form, signal, deadline });
    const out = await readJson<{ name?: string; subfolder?: string }>(this.url, res, signal, deadline);
    if (typeof out.name !== 'string' || !out.name) throw new DiffusionBackendError(this.url, '/upload/image answered without a file name', 'protocol');
    return out.subfolder ? `${out.subfolder}/${out.name}` : out.name;
  }

  private async queuePrompt(graph: unknown, signal: AbortSignal, deadline: AbortSignal): Promise<string> {
    const res = await callBackend(this.url, joinUrl(this.url, '/prompt'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: this.clientId }),
      signal,
      deadline,
    });
    const out = await readJson<PromptAnswer>(this.url, res, signal, deadline);
    if (typeof out.prompt_id !== 'string' || !out.prompt_id) throw new DiffusionBackendError(this.url, '/prompt answered without a prompt_id', 'protocol');
    return out.prompt_id;
  }

  private async waitForOutput(promptId: string, opts: RunOptions, deadline: AbortSignal): Promise<OutputFile> {
    const both = AbortSignal.any([opts.signal, deadline]);
    let runningSince: number | undefined;
    for (;;) {
      const res = await callBackend(this.url, joinUrl(this.url, `/history/${encodeURIComponent(promptId)}`), { method: 'GET', signal: opts.signal, deadline });
      const history = await readJson<Record<string, HistoryEntry>>(this.url, res, opts.signal, deadline);
      const entry = history[promptId];
      if (entry) return this.outputOf(entry);
      if (opts.onProgress) {
        const q = await this.queue(opts.signal, deadline);
        if (isIn(q.queue_running, promptId)) {
          runningSince ??= Date.now();
          // Polling cannot see sampler steps; approach 0.95 on the usual generation time.
          opts.onProgress(0.1 + 0.85 * (1 - Math.exp(-(Date.now() - runningSince) / this.expectedMs)));
        } else {
          opts.onProgress(0.05);
        }
      }
      try {
        await sleep(this.pollMs, undefined, { signal: both });
      } catch {
        if (opts.signal.aborted) throw new TaskAbortedError();
        throw new DiffusionBackendError(this.url, 'timed out', 'timeout');
      }
    }
  }

  private outputOf(entry: HistoryEntry): OutputFile {
    const status = entry.status?.status_str;
    if (status === 'error') {
      const err = entry.status?.messages?.find((m) => m[0] === 'execution_error')?.[1];
      const detail = err ? `${String(err.node_type ?? 'node')}: ${String(err.exception_message ?? 'failed')}` : 'execution failed';
      throw new DiffusionBackendError(this.url, `workflow failed (${detail.trim()})`, 'engine');
    }
    const nodes = Object.keys(entry.outputs ?? {}).sort((a, b) => Number(a) - Number(b));
    for (const id of nodes) {
      const img = entry.outputs?.[id]?.images?.find((i) => i.type !== 'temp') ?? entry.outputs?.[id]?.images?.[0];
      if (img?.filename) return img;
    }
    throw new DiffusionBackendError(this.url, 'workflow finished without an image output (does it end in SaveImage?)', 'protocol');
  }

  private async view(file: OutputFile, signal: AbortSignal, deadline: AbortSignal): Promise<Buffer> {
    const q = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder ?? '', type: file.type ?? 'output' });
    const res = await callBackend(this.url, joinUrl(this.url, `/view?${q}`), { method: 'GET', signal, deadline });
    const data = await readBytes(this.url, res, signal, deadline);
    if (data.length === 0) throw new DiffusionBackendError(this.url, '/view answered an empty file', 'protocol');
    return data;
  }

  private async queue(signal: AbortSignal, deadline: AbortSignal): Promise<QueueAnswer> {
    const res = await callBackend(this.url, joinUrl(this.url, '/queue'), { method: 'GET', signal, deadline });
    return readJson<QueueAnswer>(this.url, res, signal, deadline);
  }

  /** Our prompt only: drop it from the queue, and interrupt only if it is the one running. */
  private async cancel(promptId: string): Promise<void> {
    const free = new AbortController().signal;
    const deadline = AbortSignal.timeout(5000);
    try {
      const q = await this.queue(free, deadline);
      if (isIn(q.queue_running, promptId)) {
        await this.interrupt();
      } else if (isIn(q.queue_pending, promptId)) {
        await callBackend(this.url, joinUrl(this.url, '/queue'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ delete: [promptId] }),
          signal: free,
          deadline,
        });
      }
    } catch {
      // Best effort: the engine is unreachable or already done.
    }
  }
}

function isIn(list: unknown[][] | undefined, promptId: string): boolean {
  return (list ?? []).some((item) => Array.isArray(item) && item[1] === promptId);
}
