/**
 * The one interface Darkroom's generative features speak to an operator's diffusion engine through.
 * Adapters translate it to a real engine's HTTP protocol (AUTOMATIC1111/Forge, ComfyUI).
 */

/** Per-style backend knobs; every field is optional and falls back to the adapter's defaults. */
export interface DiffusionSettings {
  steps?: number;
  cfgScale?: number;
  /** A1111 sampler name ("DPM++ 2M") or ComfyUI sampler id ("dpmpp_2m"); each adapter maps its own. */
  sampler?: string;
  scheduler?: string;
  /** Model file the engine should use; when absent A1111 keeps its loaded model, ComfyUI uses config `diffusion.checkpoint`. */
  checkpoint?: string;
  /** img2img/inpaint strength, 0..1. */
  denoise?: number;
  /** Engine-side mask feathering in pixels. */
  maskBlur?: number;
}

export interface Txt2ImgRequest {
  /** Feature asking, used to pick a ComfyUI workflow (`workflows/comfyui/<feature>.json`). */
  feature: string;
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  seed: number;
  settings: DiffusionSettings;
}

export interface InpaintRequest extends Txt2ImgRequest {
  /** PNG of the picture to repaint, `width`×`height`. */
  image: Buffer;
  /** PNG, same size: white = repaint, black = keep. */
  mask: Buffer;
}

export interface RunOptions {
  /** Task cancellation: the adapter sends the engine's interrupt and stops waiting. */
  signal: AbortSignal;
  /** 0..1 as reported (or estimated) by the engine. */
  onProgress?: (fraction: number) => void;
  /** Whole-call deadline; on expiry the adapter interrupts the engine and fails. */
  timeoutMs: number;
}

export interface GeneratedImage {
  /** Encoded image bytes as the engine returned them (PNG usually). */
  data: Buffer;
  /** Which backend produced it (its base URL), for logs and task metadata. */
  backend: string;
}

export interface DiffusionBackend {
  /** "a1111", "comfyui" or "embedded". */
  readonly kind: string;
  readonly url: string;
  txt2img(req: Txt2ImgRequest, opts: RunOptions): Promise<GeneratedImage>;
  inpaint(req: InpaintRequest, opts: RunOptions): Promise<GeneratedImage>;
  /** Fraction done of the engine's current job, when it can tell. */
  progress(signal?: AbortSignal): Promise<number | undefined>;
  /** Stops the engine's current job (both engines interrupt whatever runs now). */
  interrupt(): Promise<void>;
  /** True when the engine answers its API. */
  health(signal?: AbortSignal): Promise<boolean>;
  /** How listings name it, when "<kind> at <url>" does not fit (the embedded engine). */
  describe?(): string;
}

/** A backend failed (unreachable, HTTP error, bad answer, timeout): the client may try the next one. */
export class DiffusionBackendError extends Error {
  constructor(
    readonly backend: string,
    message: string,
    readonly kind: 'unreachable' | 'http' | 'protocol' | 'timeout' | 'engine' = 'engine',
  ) {
    super(`${backend}: ${message}`);
    this.name = 'DiffusionBackendError';
  }
}
