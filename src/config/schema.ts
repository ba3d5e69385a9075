import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { FeatureId } from '../features/table.js';

/**
 * The whole configuration as one schema. Each key carries its default and, where it can be set from
 * the environment, the variable(s) next to it (`env`, first name wins): adding a key is one line
 * here plus its row in docs/configuration.md. `loadConfig` (./load.ts) refuses unknown keys and bad
 * values, naming the key and where the value came from.
 */

/** A group of keys; missing groups are created so their defaults apply. */
const group = <P extends TProperties>(properties: P, description?: string): TObject<P> =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

const env = (...names: string[]) => ({ env: names });
const ms = (def: number, description: string, ...names: string[]) => Type.Integer({ minimum: 0, default: def, description, ...(names.length ? env(...names) : {}) });
const count = (def: number, description: string, ...names: string[]) => Type.Integer({ minimum: 1, default: def, description, ...(names.length ? env(...names) : {}) });
const flag = (def: boolean, description: string, ...names: string[]) => Type.Boolean({ default: def, description, ...(names.length ? env(...names) : {}) });
const port = (description: string, ...names: string[]) => Type.Integer({ minimum: 1, maximum: 65535, description, ...env(...names) });
const urlList = (description: string, name: string) => Type.Array(Type.String({ minLength: 1 }), { default: [], description, ...env(name) });

const S3Schema = Type.Object(
  {
    endpoint: Type.Optional(Type.String({ description: 'S3 API endpoint (empty for AWS)', ...env('DARKROOM_S3_ENDPOINT') })),
    /** Endpoint clients reach, when it differs from the one the server uses (e.g. inside a cluster). */
    publicEndpoint: Type.Optional(Type.String({ description: 'endpoint written into presigned URLs', ...env('DARKROOM_S3_PUBLIC_ENDPOINT') })),
    region: Type.String({ default: 'us-east-1', ...env('DARKROOM_S3_REGION') }),
    bucket: Type.String({ minLength: 1, ...env('DARKROOM_S3_BUCKET') }),
    accessKeyId: Type.Optional(Type.String(env('DARKROOM_S3_ACCESS_KEY_ID'))),
    secretAccessKey: Type.Optional(Type.String(env('DARKROOM_S3_SECRET_ACCESS_KEY'))),
    forcePathStyle: flag(true, 'path-style bucket addressing (MinIO, Ceph)', 'DARKROOM_S3_PATH_STYLE'),
  },
  { additionalProperties: false },
);

/** Per-feature credit prices; keys are checked against the feature table when loading. */
const PricesSchema = Type.Unsafe<Partial<Record<FeatureId, number>>>(
  Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { default: {}, description: 'credits per task, by feature id' }),
);

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'listen address', ...env('DARKROOM_HOST') }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'listen port', ...env('DARKROOM_PORT', 'PORT') }),
    /** Base URL written into signed upload/download URLs; empty: the origin each request came to. */
    publicUrl: Type.String({ default: '', ...env('DARKROOM_PUBLIC_URL') }),
    dataDir: Type.String({ minLength: 1, default: './data', ...env('DARKROOM_DATA_DIR') }),
    /** `sqlite:<path>` (default `<dataDir>/darkroom.db`) or `postgres://…`. */
    databaseUrl: Type.String({ default: '', ...env('DARKROOM_DATABASE_URL', 'DATABASE_URL') }),
    /** Redis URL: when set, tasks go through a Redis queue and rate limits are shared. */
    redisUrl: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_REDIS_URL', 'REDIS_URL') })),
    /** Take the client IP, scheme and host from X-Forwarded-For/-Proto/-Host (only behind a proxy you run). */
    trustProxy: flag(false, 'trust X-Forwarded-For/-Proto/-Host', 'DARKROOM_TRUST_PROXY'),
    /** Base64 of 32 bytes; else generated into `<dataDir>/secrets/master.key`. */
    masterKey: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_MASTER_KEY') })),
    /** Prometheus-only port for `darkroom worker` (the API serves /metrics itself). */
    metricsPort: Type.Optional(port('worker metrics port', 'DARKROOM_METRICS_PORT')),
    storage: group({
      driver: Type.Union([Type.Literal('local'), Type.Literal('s3')], { default: 'local', ...env('DARKROOM_STORAGE') }),
      s3: Type.Optional(S3Schema),
    }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', ...env('DARKROOM_LOG_LEVEL') }),
    /** Run engines inside the API process (embedded default); `false` for API-only instances at scale. */
    runEngines: flag(true, 'run engines in this process', 'DARKROOM_RUN_ENGINES'),
    tasks: group({
      pollingIntervalMs: ms(1000, 'polling_interval answered to clients', 'DARKROOM_POLLING_INTERVAL_MS'),
      /** A running task not polled for this long is dropped without charge (source document: 10 s). */
      abandonAfterMs: ms(10_000, 'drop a running task not polled this long'),
      /** Tasks running at once in this process. */
      concurrency: count(2, 'tasks running at once per process', 'DARKROOM_TASK_CONCURRENCY'),
      /** Tasks of one API key running at once, so one client cannot take every slot. */
      perKeyConcurrency: count(1, 'tasks of one API key running at once', 'DARKROOM_TASK_PER_KEY_CONCURRENCY'),
      /** After a key queues a task, the last free slot stays kept for it this long (embedded queue). */
      fairWindowMs: ms(60_000, 'how long a key counts as active for the kept slot', 'DARKROOM_TASK_FAIR_WINDOW_MS'),
      /** A task running longer than this fails (`error_inference`, "did not finish within …"). */
      timeoutMs: ms(10 * 60_000, 'task time limit'),
      /** Redis (BullMQ) queue, used when `redisUrl` is set. */
      queue: group({
        /** A running job's lock, renewed every half of it; a dead worker's job returns after it lapses. */
        lockMs: ms(30_000, 'job lock duration', 'DARKROOM_QUEUE_LOCK_MS'),
        /** Stalls before BullMQ fails a job (the database sweep still recovers the task). */
        maxStalledCount: count(2, 'stalls before a job fails', 'DARKROOM_QUEUE_MAX_STALLED'),
        /** Key prefix, so several deployments can share one Redis. */
        prefix: Type.String({ minLength: 1, default: 'darkroom', ...env('DARKROOM_QUEUE_PREFIX') }),
      }),
      /** Worker heartbeats and the recovery of tasks whose worker died. */
      liveness: group({
        heartbeatMs: ms(5_000, 'heartbeat interval', 'DARKROOM_WORKER_HEARTBEAT_MS'),
        staleMs: ms(30_000, 'a worker silent this long is dead', 'DARKROOM_WORKER_STALE_MS'),
        maxAttempts: count(3, 'claims of one task before it fails', 'DARKROOM_TASK_MAX_ATTEMPTS'),
        requeueUnclaimedAfterMs: ms(60_000, 're-enqueue a running task nobody claimed', 'DARKROOM_REQUEUE_UNCLAIMED_MS'),
      }),
      /**
       * A running task's database and storage steps are retried this long while their service is
       * away (with backoff) before the run is given back to the queue; a task is re-run at most
       * `liveness.maxAttempts` times and never charged for an infrastructure failure.
       */
      serviceRetryMs: ms(60_000, 'retry a task step while a service is away', 'DARKROOM_SERVICE_RETRY_MS'),
    }),
    retention: group({
      uploadMs: ms(24 * 3600_000, 'uploads are deleted after this'),
      resultMs: ms(30 * 24 * 3600_000, 'results are deleted after this'),
      resultUrlMs: ms(2 * 3600_000, 'validity of result URLs'),
      uploadUrlMs: ms(3600_000, 'validity of upload URLs'),
      sweepIntervalMs: ms(60_000, 'expiry sweep interval'),
    }),
    auth: group({
      tokenTtlMs: ms(2 * 3600_000, 'access token lifetime'),
      idTokenWindowMs: ms(5 * 60_000, 'accepted clock skew of an id_token'),
      keyBits: Type.Integer({ minimum: 1024, default: 2048, description: 'RSA key size of new API keys' }),
    }),
    rateLimit: group({
      enabled: flag(true, 'rate limits on', 'DARKROOM_RATE_LIMIT'),
      perIpMax: count(100, 'requests per IP per window'),
      perIpWindowMs: ms(5 * 60_000, 'per-IP window'),
      perTokenMax: count(100, 'requests per token per window'),
      perTokenWindowMs: ms(60_000, 'per-token window'),
    }),
    /** Credits granted to the dev key printed on first start. */
    devKey: group({ enabled: flag(true, 'create the dev key'), credits: Type.Integer({ minimum: 0, default: 1000 }) }),
    prices: PricesSchema,
    engines: group({
      /** Worker threads for model inference. */
      workers: count(2, 'inference threads', 'DARKROOM_ENGINE_WORKERS'),
      /**
       * Keep-warm time: an inference thread idle this long exits with the models it loaded, so memory
       * returns near the idle baseline (as Immich's model TTL); 0 keeps threads for good.
       */
      idleReleaseMs: ms(300_000, 'keep-warm time: idle time before an inference thread and its models are released', 'DARKROOM_ENGINE_IDLE_RELEASE_MS'),
      /**
       * Memory budget: resident memory the process aims to stay under. Before a call that could pass
       * it, the idle threads of other kernels end with their models (they load again when next used),
       * and if that is not enough the call waits for a running task to end. Unset: a quarter of the
       * host's memory (or the container's limit), between 1 and 4 GB. From 3 GB on, matting keeps its
       * faster, larger session. 0 = no budget.
       */
      memoryTargetMb: Type.Optional(Type.Integer({ minimum: 0, description: 'memory budget in MB: idle models are released early to stay under it (unset = a quarter of the host memory, 1–4 GB; 0 = off)', ...env('DARKROOM_ENGINE_MEMORY_TARGET_MB') })),
      /** Load models when the server starts instead of at first use. */
      preload: flag(false, 'load models at start', 'DARKROOM_PRELOAD_MODELS'),
      /** Folder of operator-installed model weights (ONNX etc.); default `<dataDir>/models`. */
      modelsDir: Type.String({ default: '', ...env('DARKROOM_MODELS_DIR') }),
      nsfw: group({ enabled: flag(true, 'NSFW guard on inputs'), threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.7 }) }),
      /** Largest decoded image, in pixels, before any decode (decompression-bomb guard). */
      maxPixels: count(50_000_000, 'largest decoded image in pixels'),
      video: group({
        mode: Type.Union([Type.Literal('classic'), Type.Literal('neural')], { default: 'classic' }),
        /** ffmpeg/ffprobe binaries; default the ones shipped in the @ffmpeg-installer/@ffprobe-installer packages. */
        ffmpeg: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_FFMPEG') })),
        ffprobe: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_FFPROBE') })),
      }),
      /**
       * Shipped networks for enhance: 'slim' (the default: x2 on the PSNR-trained psnr-small up to
       * enhanceFidelityMaxPixels, ESRGAN slim above it and for x4) or 'medium' (ESRGAN medium for both).
       */
      enhanceModel: Type.Union([Type.Literal('slim'), Type.Literal('medium')], { default: 'slim' }),
      /**
       * Largest input, in pixels, that enhance x2 enlarges with psnr-small (+0.6 dB over slim, cleaner
       * edges, ~10x slim's time: ~5 s per 256-px tile on one core, so ~15 s for 640x480 on 2 cores);
       * larger photos take slim (~0.5 s a tile) and the meta says why. Raise it on faster machines.
       */
      enhanceFidelityMaxPixels: count(320_000, 'largest input enhance x2 runs on psnr-small', 'DARKROOM_ENHANCE_FIDELITY_MAX_PIXELS'),
      /**
       * Largest input, in pixels, that an installed RRDB Real-ESRGAN (x4plus, x2plus, or an own export
       * without `maxPixels`) enlarges; larger photos take the compact general-x4v3 when installed (up to
       * its catalog limit), else the shipped ESRGAN. On 2 CPU cores one 192-px RRDB tile takes ~30 s, so
       * 1 MP (36 tiles) is about the task time limit's reach there; raise it on faster machines.
       */
      realEsrganMaxPixels: count(1_000_000, 'largest input for an installed Real-ESRGAN', 'DARKROOM_REALESRGAN_MAX_PIXELS'),
    }),
    models: group({
      /**
       * Fetch the recommended models (catalog `recommended`) in the background on start, each verified
       * before use. Off by default only where no network is expected: under the test runner and on CI.
       */
      autoPull: flag(process.env.NODE_ENV !== 'test' && !process.env.CI, 'fetch the recommended models in the background on start', 'DARKROOM_MODELS_AUTO_PULL'),
      /** A mirror holding the catalog's file names (an internal host for air-gapped sites); default each model's public source. */
      baseUrl: Type.Optional(Type.String({ minLength: 1, description: 'mirror of the model files', ...env('DARKROOM_MODELS_BASE_URL') })),
      /** After a round that could not fetch everything (offline, refused, bad checksum), the next try comes this much later. */
      retryMs: ms(30 * 60_000, 'wait before the next auto-pull round after a failure', 'DARKROOM_MODELS_RETRY_MS'),
    }),
    diffusion: group({
      /** AUTOMATIC1111 / Forge base URLs. */
      a1111: urlList('AUTOMATIC1111 / Forge servers', 'DARKROOM_A1111_URLS'),
      /** ComfyUI base URLs. */
      comfyui: urlList('ComfyUI servers', 'DARKROOM_COMFYUI_URLS'),
      timeoutMs: ms(5 * 60_000, 'diffusion request time limit'),
      concurrencyPerBackend: count(1, 'requests at once per backend'),
      nsfwRetries: Type.Integer({ minimum: 0, default: 2 }),
      /** ComfyUI workflow templates folder (default: the repo's workflows/comfyui). */
      workflowsDir: Type.Optional(Type.String({ minLength: 1 })),
      /** ComfyUI `ckpt_name` when a style names none (A1111 keeps its loaded model). */
      checkpoint: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_DIFFUSION_CHECKPOINT') })),
      /** The embedded CPU diffusion engine, used when no server above is configured and its model is installed. */
      embedded: group({
        enabled: flag(true, 'embedded CPU diffusion when no server is configured', 'DARKROOM_EMBEDDED_DIFFUSION'),
        steps: Type.Integer({ minimum: 1, maximum: 8, default: 4, description: 'LCM steps per image' }),
        /** Long side the model works at; SD 1.5 was trained at 512. Multiples of 64. */
        size: Type.Integer({ minimum: 256, maximum: 768, multipleOf: 64, default: 512, description: 'working long side in pixels' }),
        guidanceScale: Type.Number({ minimum: 1, maximum: 15, default: 8.5, description: 'LCM guidance (distilled into the model)' }),
      }),
    }),
    admin: group({ password: Type.Optional(Type.String({ minLength: 1, ...env('DARKROOM_ADMIN_PASSWORD') })) }),
    webhooks: group({
      /** Let callback_url point to loopback/private addresses (development, tests); off by default against SSRF. */
      allowPrivateNetworks: flag(false, 'allow callbacks to private addresses', 'DARKROOM_WEBHOOKS_ALLOW_PRIVATE'),
      timeoutMs: ms(10_000, 'webhook request time limit'),
    }),
  },
  { additionalProperties: false },
);

export type DarkroomConfig = Static<typeof ConfigSchema>;

/** The schema of one key, with the env variables declared for it. */
export type KeySchema = TSchema & { env?: string[] };

/**
 * `DARKROOM_*` variables that are not configuration keys: read by the CLI client, the test suites,
 * scripts or the crash-test fault points. Anything else with the prefix is refused as a typo.
 */
export const NON_CONFIG_ENV: readonly (string | RegExp)[] = [
  'DARKROOM_CONFIG', // the JSON file itself
  'DARKROOM_URL', // CLI client: remote server and its key
  'DARKROOM_CLIENT_ID',
  'DARKROOM_CLIENT_SECRET',
  'DARKROOM_FAULT_AT', // test-only crash points (src/util/fault.ts)
  'DARKROOM_TESTDATA',
  'DARKROOM_DOC_IMAGES',
  'DARKROOM_CHROMIUM',
  /^DARKROOM_TEST_/,
  /^DARKROOM_BENCH_/,
];
