import { setTimeout as sleep } from 'node:timers/promises';
import { callBackend, joinUrl, readJson } from './http.js';
import {
  DiffusionBackendError,
  type DiffusionBackend,
  type DiffusionSettings,
  type GeneratedImage,
  type InpaintRequest,
  type RunOptions,
  type Txt2ImgRequest,
} from './types.js';

/** `inpainting_fill` values of the web UI's "Masked content" choice. */
const FILL = 0;
const FILL_ORIGINAL = 1;

/**
 * Removal starts from the hole filled with its surroundings' colours ("fill"): at full denoise,
 * "original" hands the sampler the object itself and it tends to come back. Replacement and the
 * other features keep "original", whose shapes the prompt reshapes.
 */
const fillFor = (feature: string) => (feature === 'obj-removal' ? FILL : FILL_ORIGINAL);

interface A1111ImagesResponse {
  images?: string[];
  info?: string;
}

interface A1111Progress {
  progress?: number;
  state?: { interrupted?: boolean; job_count?: number; sampling_step?: number; sampling_steps?: number };
}

export interface A1111Options {
  /** How often progress is polled while a generation runs. */
  pollMs?: number;
}

/**
 * AUTOMATIC1111 / Forge web UI started with `--api`: `POST /sdapi/v1/txt2img`, `POST /sdapi/v1/img2img`
 * (inpainting through `init_images` + `mask`), `GET /sdapi/v1/progress`, `POST /sdapi/v1/interrupt`.
 * Both engines run one job at a time, so progress and interrupt concern the job this adapter sent
 * (the client keeps concurrency per backend at 1 by default).
 */
export class A1111Backend implements DiffusionBackend {
  readonly kind = 'a1111';
  private readonly pollMs: number;

  constructor(
    readonly url: string,
    opts: A1111Options = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
  }

  txt2img(req: Txt2ImgRequest, opts: RunOptions): Promise<GeneratedImage> {
    return this.generate('/sdapi/v1/txt2img', this.commonBody(req), opts);
  }

  inpaint(req: InpaintRequest, opts: RunOptions): Promise<GeneratedImage> {
    const body = {
      ...this.commonBody(req),
      init_images: [req.image.toString('base64')],
      mask: req.mask.toString('base64'),
      denoising_strength: req.settings.denoise ?? 0.9,
      inpainting_fill: fillFor(req.feature),
      mask_blur: req.settings.maskBlur ?? 4,
      // Darkroom already cropped around the mask; repaint the whole crop at the requested size.
      inpaint_full_res: false,
      inpaint_full_res_padding: 32,
      inpainting_mask_invert: 0,
      resize_mode: 0,
    };
    return this.generate('/sdapi/v1/img2img', body, opts);
  }

  async progress(signal?: AbortSignal): Promise<number | undefined> {
    const deadline = AbortSignal.timeout(5000);
    const sig = signal ?? new AbortController().signal;
    const res = await callBackend(this.url, joinUrl(this.url, '/sdapi/v1/progress?skip_current_image=true'), { method: 'GET', signal: sig, deadline });
    const p = await readJson<A1111Progress>(this.url, res, sig, deadline);
    return typeof p.progress === 'number' ? Math.max(0, Math.min(1, p.progress)) : undefined;
  }

  async interrupt(): Promise<void> {
    const deadline = AbortSignal.timeout(5000);
    await callBackend(this.url, joinUrl(this.url, '/sdapi/v1/interrupt'), { method: 'POST', signal: new AbortController().signal, deadline });
  }

  async health(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.progress(signal);
      return true;
    } catch {
      return false;
    }
  }

  private commonBody(req: Txt2ImgRequest): Record<string, unknown> {
    const s: DiffusionSettings = req.settings;
    const body: Record<string, unknown> = {
      prompt: req.prompt,
      negative_prompt: req.negativePrompt,
      seed: req.seed,
      width: req.width,
      height: req.height,
      steps: s.steps ?? 25,
      cfg_scale: s.cfgScale ?? 7,
      sampler_name: s.sampler ?? 'DPM++ 2M',
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
    };
    if (s.scheduler) body.scheduler = s.scheduler;
    if (s.checkpoint) {
      body.override_settings = { sd_model_checkpoint: s.checkpoint };
      body.override_settings_restore_afterwards = true;
    }
    return body;
  }

  private async generate(path: string, body: Record<string, unknown>, opts: RunOptions): Promise<GeneratedImage> {
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const stopPolling = new AbortController();
    const onStop = () => void this.interrupt().catch(() => undefined);
    opts.signal.addEventListener('abort', onStop, { once: true });
    deadline.addEventListener('abort', onStop, { once: true });
    const polling = this.pollProgress(opts, stopPolling.signal);
    try {
      const res = await callBackend(this.url, joinUrl(this.url, path), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: opts.signal,
        deadline,
      });
      const out = await readJson<A1111ImagesResponse>(this.url, res, opts.signal, deadline);
      const first = out.images?.[0];
      if (typeof first !== 'string' || first.length === 0) throw new DiffusionBackendError(this.url, `${path} answered without an image`, 'protocol');
      const data = Buffer.from(first.replace(/^data:[^,]*,/, ''), 'base64');
      if (data.length === 0) throw new DiffusionBackendError(this.url, `${path} answered an empty image`, 'protocol');
      opts.onProgress?.(1);
      return { data, backend: this.url };
    } finally {
      stopPolling.abort();
      opts.signal.removeEventListener('abort', onStop);
      deadline.removeEventListener('abort', onStop);
      await polling;
    }
  }

  private async pollProgress(opts: RunOptions, stop: AbortSignal): Promise<void> {
    if (!opts.onProgress) return;
    try {
      for (;;) {
        await sleep(this.pollMs, undefined, { signal: stop });
        const p = await this.progress(stop).catch(() => undefined);
        if (stop.aborted) return;
        if (p !== undefined) opts.onProgress(Math.min(p, 0.99));
      }
    } catch {
      // stopped
    }
  }
}
