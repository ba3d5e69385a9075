import type { Logger } from 'pino';
import type { DarkroomConfig } from '../../../config.js';
import { EngineError, TaskAbortedError } from '../../errors.js';
import { A1111Backend } from './a1111.js';
import { ComfyUIBackend } from './comfyui.js';
import { Semaphore } from './semaphore.js';
import { DiffusionBackendError, type DiffusionBackend, type GeneratedImage, type InpaintRequest, type Txt2ImgRequest } from './types.js';

export interface ClientRunOptions {
  signal: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface BackendStatus {
  kind: string;
  url: string;
  healthy: boolean;
  inFlight: number;
}

/** What the generative engines (and colorize, out-paint) use: one call, whichever backend answers. */
export interface DiffusionClient {
  readonly backends: readonly DiffusionBackend[];
  /** "AUTOMATIC1111 at http://…, ComfyUI at http://…" for availability(). */
  describe(): string;
  txt2img(req: Txt2ImgRequest, opts: ClientRunOptions): Promise<GeneratedImage>;
  inpaint(req: InpaintRequest, opts: ClientRunOptions): Promise<GeneratedImage>;
  health(signal?: AbortSignal): Promise<BackendStatus[]>;
}

export interface DiffusionClientOptions {
  timeoutMs: number;
  concurrencyPerBackend: number;
  /** After a failure a backend is tried last for this long. */
  cooldownMs?: number;
}

interface Slot {
  backend: DiffusionBackend;
  gate: Semaphore;
  downUntil: number;
}

const LABEL: Record<string, string> = { a1111: 'AUTOMATIC1111', comfyui: 'ComfyUI' };

/**
 * Failover over the configured backends: a free, healthy backend first; on an error (unreachable,
 * HTTP error, timeout, failed workflow) the next one; every backend runs at most
 * `concurrencyPerBackend` jobs at once. Cancellation is never retried elsewhere.
 */
export function createClientFromBackends(backends: DiffusionBackend[], log: Logger, opts: DiffusionClientOptions): DiffusionClient {
  const slots: Slot[] = backends.map((backend) => ({ backend, gate: new Semaphore(Math.max(1, opts.concurrencyPerBackend)), downUntil: 0 }));
  const cooldownMs = opts.cooldownMs ?? 30_000;

  function order(): Slot[] {
    const now = Date.now();
    return slots
      .map((s, i) => ({ s, i }))
      .sort((a, b) => rank(a.s, now) - rank(b.s, now) || a.i - b.i)
      .map((x) => x.s);
  }
  const rank = (s: Slot, now: number) => (s.downUntil > now ? 2 : 0) + (s.gate.free === 0 ? 1 : 0);

  async function attempt(run: (b: DiffusionBackend) => Promise<GeneratedImage>, what: string, o: ClientRunOptions): Promise<GeneratedImage> {
    const failures: string[] = [];
    for (const slot of order()) {
      if (o.signal.aborted) throw new TaskAbortedError();
      const release = await slot.gate.acquire(o.signal);
      try {
        const started = Date.now();
        const out = await run(slot.backend);
        slot.downUntil = 0;
        log.debug({ backend: slot.backend.url, ms: Date.now() - started }, `diffusion ${what} done`);
        return out;
      } catch (e) {
        if (e instanceof TaskAbortedError || o.signal.aborted) throw new TaskAbortedError();
        if (!(e instanceof DiffusionBackendError)) throw e;
        slot.downUntil = Date.now() + cooldownMs;
        failures.push(e.message);
        log.warn({ backend: slot.backend.url, err: e.message }, `diffusion ${what} failed; trying the next backend`);
      } finally {
        release();
      }
    }
    throw new EngineError('error_inference', `every diffusion backend failed: ${failures.join('; ')}`);
  }

  return {
    backends,
    describe: () => backends.map((b) => b.describe?.() ?? `${LABEL[b.kind] ?? b.kind} at ${b.url}`).join(', '),
    txt2img: (req, o) => attempt((b) => b.txt2img(req, { ...o, timeoutMs: opts.timeoutMs }), 'txt2img', o),
    inpaint: (req, o) => attempt((b) => b.inpaint(req, { ...o, timeoutMs: opts.timeoutMs }), 'inpaint', o),
    async health(signal) {
      return Promise.all(
        slots.map(async (s) => {
          const healthy = await s.backend.health(signal);
          s.downUntil = healthy ? 0 : Date.now() + cooldownMs;
          return { kind: s.backend.kind, url: s.backend.url, healthy, inFlight: s.gate.busy };
        }),
      );
    },
  };
}

/** The names an operator sets, for error messages and availability(). */
export const DIFFUSION_SETTINGS_HINT = 'run `darkroom models pull lcm-dreamshaper-v7` for the embedded CPU engine, or set DARKROOM_A1111_URLS or DARKROOM_COMFYUI_URLS (config diffusion.a1111 / diffusion.comfyui) to the base URL of an AUTOMATIC1111/Forge (started with --api) or ComfyUI server';

/** Undefined when no backend is configured: generative features then answer a clear task error. */
export function createDiffusionClient(config: Pick<DarkroomConfig, 'diffusion'>, log: Logger, extra: { pollMs?: number } = {}): DiffusionClient | undefined {
  const d = config.diffusion;
  const backends: DiffusionBackend[] = [
    ...d.a1111.map((url) => new A1111Backend(url, { pollMs: extra.pollMs })),
    ...d.comfyui.map((url) => new ComfyUIBackend(url, { pollMs: extra.pollMs, workflowsDir: d.workflowsDir, checkpoint: d.checkpoint })),
  ];
  if (backends.length === 0) return undefined;
  return createClientFromBackends(backends, log, { timeoutMs: d.timeoutMs, concurrencyPerBackend: d.concurrencyPerBackend });
}
