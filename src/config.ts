import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FeatureId } from './features/table.js';

/**
 * Configuration: defaults, overridden by an optional JSON file (`DARKROOM_CONFIG` or
 * `<dataDir>/darkroom.json`), overridden by environment variables. Every key is documented in
 * docs/configuration.md.
 */
export interface DarkroomConfig {
  host: string;
  port: number;
  /** Base URL written into signed upload/download URLs; empty: the origin each request came to. */
  publicUrl: string;
  /** Behind a reverse proxy: take the client address, scheme and host from X-Forwarded-* headers. */
  trustProxy: boolean;
  dataDir: string;
  /** `sqlite:<path>` (default `<dataDir>/darkroom.db`) or `postgres://…`. */
  databaseUrl: string;
  /** Redis URL: when set, tasks go through a Redis queue and rate limits are shared. */
  redisUrl?: string;
  storage: {
    driver: 'local' | 's3';
    s3?: { endpoint?: string; region: string; bucket: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle: boolean };
  };
  logLevel: string;
  /** Run engines inside the API process (embedded default); `false` for API-only instances at scale. */
  runEngines: boolean;
  tasks: {
    pollingIntervalMs: number;
    /** A running task not polled for this long is dropped without charge (source document: 10 s). */
    abandonAfterMs: number;
    /** Tasks running at once in this process. */
    concurrency: number;
    /** Tasks of one key running at once while another key has tasks waiting (a key alone may use every slot). */
    perKeyConcurrency: number;
    /** A task running longer than this fails (`error_inference`, "did not finish within …"). */
    timeoutMs: number;
  };
  retention: { uploadMs: number; resultMs: number; resultUrlMs: number; uploadUrlMs: number; sweepIntervalMs: number };
  auth: { tokenTtlMs: number; idTokenWindowMs: number; keyBits: number };
  rateLimit: { enabled: boolean; perIpMax: number; perIpWindowMs: number; perTokenMax: number; perTokenWindowMs: number };
  /** Credits granted to the dev key printed on first start. */
  devKey: { enabled: boolean; credits: number };
  prices: Partial<Record<FeatureId, number>>;
  engines: {
    /** Worker threads for model inference. */
    workers: number;
    /** Load models when the server starts instead of at first use. */
    preload: boolean;
    /** Folder of operator-installed model weights (ONNX etc.). */
    modelsDir: string;
    nsfw: { enabled: boolean; threshold: number };
    /** Largest decoded image, in pixels, before any decode (decompression-bomb guard). */
    maxPixels: number;
    video: { mode: 'classic' | 'neural' };
    /** ESRGAN size for enhance: 'slim' (fast) or 'medium' (sharper, about 3.5x slower). */
    enhanceModel: 'slim' | 'medium';
  };
  diffusion: {
    /** AUTOMATIC1111 / Forge base URLs. */
    a1111: string[];
    /** ComfyUI base URLs. */
    comfyui: string[];
    timeoutMs: number;
    concurrencyPerBackend: number;
    nsfwRetries: number;
    /** ComfyUI workflow templates folder (default: the repo's workflows/comfyui). */
    workflowsDir?: string;
    /** ComfyUI `ckpt_name` when a style names none (A1111 keeps its loaded model). */
    checkpoint?: string;
  };
  admin: { password?: string };
  webhooks: {
    /** Let callback_url point to loopback/private addresses (development, tests); off by default against SSRF. */
    allowPrivateNetworks: boolean;
    timeoutMs: number;
  };
}

export const DEFAULTS: DarkroomConfig = {
  host: '0.0.0.0',
  port: 8080,
  publicUrl: '',
  trustProxy: false,
  dataDir: './data',
  databaseUrl: '',
  storage: { driver: 'local' },
  logLevel: 'info',
  runEngines: true,
  tasks: { pollingIntervalMs: 1000, abandonAfterMs: 10_000, concurrency: 2, perKeyConcurrency: 1, timeoutMs: 10 * 60_000 },
  retention: {
    uploadMs: 24 * 3600_000,
    resultMs: 30 * 24 * 3600_000,
    resultUrlMs: 2 * 3600_000,
    uploadUrlMs: 3600_000,
    sweepIntervalMs: 60_000,
  },
  auth: { tokenTtlMs: 2 * 3600_000, idTokenWindowMs: 5 * 60_000, keyBits: 2048 },
  rateLimit: { enabled: true, perIpMax: 100, perIpWindowMs: 5 * 60_000, perTokenMax: 100, perTokenWindowMs: 60_000 },
  devKey: { enabled: true, credits: 1000 },
  prices: {},
  engines: {
    workers: 2,
    preload: false,
    modelsDir: '',
    nsfw: { enabled: true, threshold: 0.7 },
    maxPixels: 50_000_000,
    video: { mode: 'classic' },
    enhanceModel: 'slim',
  },
  diffusion: { a1111: [], comfyui: [], timeoutMs: 5 * 60_000, concurrencyPerBackend: 1, nsfwRetries: 2 },
  admin: {},
  webhooks: { allowPrivateNetworks: false, timeoutMs: 10_000 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
export type ConfigOverrides = DeepPartial<DarkroomConfig>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, over: unknown): T {
  if (!isPlainObject(over)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k], v) : v;
  }
  return out as T;
}

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
const bool = (v: string | undefined) => (v === undefined || v === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()));

function fromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  return {
    host: env.DARKROOM_HOST,
    port: num(env.DARKROOM_PORT ?? env.PORT),
    publicUrl: env.DARKROOM_PUBLIC_URL,
    trustProxy: bool(env.DARKROOM_TRUST_PROXY),
    dataDir: env.DARKROOM_DATA_DIR,
    databaseUrl: env.DARKROOM_DATABASE_URL ?? env.DATABASE_URL,
    redisUrl: env.DARKROOM_REDIS_URL ?? env.REDIS_URL,
    logLevel: env.DARKROOM_LOG_LEVEL,
    runEngines: bool(env.DARKROOM_RUN_ENGINES),
    storage: {
      driver: env.DARKROOM_STORAGE as 'local' | 's3' | undefined,
      s3: env.DARKROOM_S3_BUCKET
        ? {
            endpoint: env.DARKROOM_S3_ENDPOINT,
            region: env.DARKROOM_S3_REGION ?? 'us-east-1',
            bucket: env.DARKROOM_S3_BUCKET,
            accessKeyId: env.DARKROOM_S3_ACCESS_KEY_ID,
            secretAccessKey: env.DARKROOM_S3_SECRET_ACCESS_KEY,
            forcePathStyle: bool(env.DARKROOM_S3_PATH_STYLE) ?? true,
          }
        : undefined,
    },
    tasks: { pollingIntervalMs: num(env.DARKROOM_POLLING_INTERVAL_MS), concurrency: num(env.DARKROOM_TASK_CONCURRENCY), perKeyConcurrency: num(env.DARKROOM_TASK_PER_KEY_CONCURRENCY) },
    rateLimit: { enabled: bool(env.DARKROOM_RATE_LIMIT) },
    engines: { workers: num(env.DARKROOM_ENGINE_WORKERS), modelsDir: env.DARKROOM_MODELS_DIR, preload: bool(env.DARKROOM_PRELOAD_MODELS) },
    diffusion: { a1111: list(env.DARKROOM_A1111_URLS), comfyui: list(env.DARKROOM_COMFYUI_URLS), checkpoint: env.DARKROOM_DIFFUSION_CHECKPOINT },
    admin: { password: env.DARKROOM_ADMIN_PASSWORD },
    webhooks: { allowPrivateNetworks: bool(env.DARKROOM_WEBHOOKS_ALLOW_PRIVATE) },
  };
}

/** Fills the values that depend on others (paths under the data directory). */
export function finalizeConfig(cfg: DarkroomConfig): DarkroomConfig {
  const dataDir = path.resolve(cfg.dataDir);
  return {
    ...cfg,
    dataDir,
    publicUrl: cfg.publicUrl.replace(/\/+$/, ''),
    databaseUrl: cfg.databaseUrl || `sqlite:${path.join(dataDir, 'darkroom.db')}`,
    engines: { ...cfg.engines, modelsDir: cfg.engines.modelsDir || path.join(dataDir, 'models') },
  };
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): DarkroomConfig {
  const envOver = fromEnv(env);
  const dataDir = overrides.dataDir ?? envOver.dataDir ?? DEFAULTS.dataDir;
  const file = env.DARKROOM_CONFIG ?? path.join(dataDir, 'darkroom.json');
  let fileOver: unknown = {};
  if (existsSync(file)) fileOver = JSON.parse(readFileSync(file, 'utf8'));
  return finalizeConfig(merge(merge(merge(DEFAULTS, fileOver), envOver), overrides));
}

export function priceOf(cfg: DarkroomConfig, feature: FeatureId, base: number): number {
  return cfg.prices[feature] ?? base;
}
