/**
 * The client: authentication with a cached, self-refreshing access token; one request loop that
 * retries dropped connections and 429/502/503/504 with backoff; uploads, tasks, credits and styles.
 * Free of Node-only imports so a bundler can ship it to browsers.
 */
import { abortableSleep, backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy } from './backoff.js';
import { AbortError, ApiError, NetworkError, TaskError, isAbortError } from './errors.js';
import { FEATURES, resolveFeature, type FeatureId, type FeatureParams, type FileSetName } from './features.js';
import { createIdToken } from './id-token.js';
import { byteLength, extensionFor, resolveContentType, type Bytes } from './input.js';
import { parseJson, stringifyJson, wireId, type IdInput } from './json.js';
import type {
  ActionResult, Credit, FileEntry, HistoryEntry, Page, ResultData, Style, StyleGroup, TaskState, UploadRequest,
} from './wire-types.js';

export interface ClientOptions {
  /** Server origin, e.g. "http://localhost:8080" (a path prefix is kept). */
  baseUrl: string;
  clientId: string;
  /** base64 X.509 SubjectPublicKeyInfo RSA public key (or the same as PEM). */
  clientSecret: string;
  fetch?: typeof globalThis.fetch;
  /** Clock in ms; token expiry and elapsed times use it. */
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Waits between polls and retries; tests replace it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** First request_id of this client's counter (default 0, as the service's samples). */
  requestIdStart?: number;
  /** Refresh the access token this long before it expires (at most a tenth of its lifetime). Default 5 minutes. */
  tokenRefreshMarginMs?: number;
  /** Polls never wait longer than this, whatever the server says: a task is dropped after 10 s without a poll. Default 8000. */
  maxPollIntervalMs?: number;
  /** Polls never wait less than this. Default 200. */
  minPollIntervalMs?: number;
}

/** An input file: bytes to upload, bytes with a type/name, or a file id the server already has (e.g. a previous `dst_id`). */
export type Input = Bytes | { data: Bytes; contentType?: string; fileName?: string } | { fileId: string };

type ParamsField<F extends FeatureId> = Record<string, never> extends FeatureParams[F]
  ? { params?: FeatureParams[F] }
  : { params: FeatureParams[F] };

export type RunInput<F extends FeatureId> = {
  src?: Input;
  /** Object removal's `mask_ids`, AI replace's `msk_ids`. */
  mask?: Input;
  /** Makeup transfer's reference; face swap takes several. */
  ref?: Input | Input[];
  outputExt?: 'jpg' | 'png';
  /** Darkroom extension: a URL that receives a signed webhook when the task ends. */
  callbackUrl?: string;
} & ParamsField<F>;

export type RunProgress =
  | { stage: 'upload'; uploaded: number; total: number }
  | { stage: 'created'; taskId: string; requestId: number }
  | { stage: 'running'; taskId: string; polls: number; elapsedMs: number; progress?: number }
  | { stage: 'done'; taskId: string; elapsedMs: number };

export interface RunOptions {
  onProgress?: (p: RunProgress) => void;
  signal?: AbortSignal;
  /** Reuse a request_id (e.g. to resume after a crash); by default the client's counter assigns one. */
  requestId?: number;
}

export interface TaskOutput {
  /** Action id this output belongs to (always 0: one action per task). */
  actionId: number;
  dstId?: string;
  url?: string;
  /** The raw data entry, including feature-specific fields (face detection's faces). */
  data: ResultData;
  download(signal?: AbortSignal): Promise<Uint8Array>;
}

export interface RunResult<F extends FeatureId = FeatureId> {
  feature: F;
  taskId: string;
  requestId: number;
  results: ActionResult[];
  outputs: TaskOutput[];
  /** Downloads the first output. */
  download(signal?: AbortSignal): Promise<Uint8Array>;
}

export interface PageOptions {
  pageSize?: number;
  startingToken?: string;
}

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  auth?: boolean;
  signal?: AbortSignal;
}

type Envelope = { status?: number; result?: any; results?: any; error?: string; error_code?: string };

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const TOKEN_LIFETIME_MS = 2 * 60 * 60 * 1000;

export class Client {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly sleepFn: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly refreshMarginMs: number;
  private readonly maxPollMs: number;
  private readonly minPollMs: number;
  private nextRequestId: number;
  private token?: { value: string; refreshAt: number };
  private authInFlight?: Promise<string>;
  private lastIdTokenAt = 0;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.sleepFn = options.sleep ?? abortableSleep;
    this.refreshMarginMs = options.tokenRefreshMarginMs ?? 5 * 60 * 1000;
    this.maxPollMs = options.maxPollIntervalMs ?? 8000;
    this.minPollMs = options.minPollIntervalMs ?? 200;
    this.nextRequestId = options.requestIdStart ?? 0;
  }

  // ---- auth ----

  /** A valid access token, authenticating when none is cached or it is about to expire. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    // Concurrent callers share one auth round trip.
    this.authInFlight ??= this.authenticate(signal).finally(() => {
      this.authInFlight = undefined;
    });
    return this.authInFlight;
  }

  private async authenticate(signal?: AbortSignal): Promise<string> {
    // Servers refuse a replayed id_token; two auths within one millisecond must still differ.
    const issuedAt = Math.max(this.now(), this.lastIdTokenAt + 1);
    this.lastIdTokenAt = issuedAt;
    const idToken = createIdToken(this.options.clientId, this.options.clientSecret, issuedAt);
    const env = await this.call({
      method: 'POST', path: '/s2s/v1.0/client/auth', auth: false, signal,
      body: { client_id: this.options.clientId, id_token: idToken },
    });
    const value = env.result?.access_token;
    if (typeof value !== 'string') throw new ApiError(200, 'BadResponse', 'auth answered without an access_token', env);
    const lifetime = typeof env.result.expires_in === 'number' ? env.result.expires_in * 1000 : TOKEN_LIFETIME_MS;
    // Short-lived tokens (a server configured for minutes) refresh at 90% of their life, not 5 min early.
    this.token = { value, refreshAt: issuedAt + lifetime - Math.min(this.refreshMarginMs, lifetime / 10) };
    return value;
  }

  // ---- transport ----

  private url(path: string, query?: Call['query']): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async pause(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.sleepFn(ms, signal);
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) throw new AbortError();
      throw err;
    }
  }

  /**
   * Sends one API call. Dropped connections and 429/502/503/504 are retried with backoff (the same
   * body, so a task creation keeps its request_id); a 401 InvalidAccessToken re-authenticates once.
   */
  private async call(c: Call): Promise<Envelope> {
    let attempt = 0;
    let reauthed = false;
    for (;;) {
      if (c.signal?.aborted) throw new AbortError();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (c.body !== undefined) headers['content-type'] = 'application/json';
      if (c.auth !== false) headers.authorization = `Bearer ${await this.accessToken(c.signal)}`;
      let res: Response;
      let text: string;
      try {
        res = await this.fetchFn(this.url(c.path, c.query), {
          method: c.method, headers, signal: c.signal,
          body: c.body === undefined ? undefined : stringifyJson(c.body),
        });
        text = await res.text();
      } catch (err) {
        if (c.signal?.aborted || isAbortError(err)) throw new AbortError();
        if (attempt >= this.retry.retries) throw new NetworkError(`${c.method} ${c.path} failed: ${(err as Error).message}`, err);
        await this.pause(backoffDelay(this.retry, attempt++, this.random), c.signal);
        continue;
      }
      let env: Envelope | undefined;
      try {
        env = text ? (parseJson(text) as Envelope) : undefined;
      } catch {
        env = undefined;
      }
      const envStatus = typeof env?.status === 'number' ? env.status : res.status;
      if (res.ok && envStatus < 400) return env ?? {};
      const status = res.ok ? envStatus : res.status;
      const code = env?.error_code ?? (status === 429 ? 'TooManyRequests' : 'HttpError');
      if (status === 401 && c.auth !== false && !reauthed && code !== 'InvalidIdToken') {
        reauthed = true;
        this.token = undefined;
        continue;
      }
      if (RETRY_STATUSES.has(status) && attempt < this.retry.retries) {
        const hint = parseRetryAfter(res.headers.get('retry-after'), this.now());
        await this.pause(backoffDelay(this.retry, attempt++, this.random, hint), c.signal);
        continue;
      }
      throw new ApiError(status, code, env?.error ?? (text.slice(0, 200) || res.statusText), env ?? text);
    }
  }

  /** Fetches a URL the server handed out (upload or result URL), with the same retry rules. */
  private async raw(method: string, url: string, init: { headers?: Record<string, string>; body?: Bytes; signal?: AbortSignal }): Promise<Response> {
    let attempt = 0;
    const target = new URL(url, this.baseUrl + '/').toString();
    for (;;) {
      if (init.signal?.aborted) throw new AbortError();
      let res: Response;
      try {
        res = await this.fetchFn(target, { method, headers: init.headers, body: init.body as BodyInit | undefined, signal: init.signal });
      } catch (err) {
        if (init.signal?.aborted || isAbortError(err)) throw new AbortError();
        if (attempt >= this.retry.retries) throw new NetworkError(`${method} ${url} failed: ${(err as Error).message}`, err);
        await this.pause(backoffDelay(this.retry, attempt++, this.random), init.signal);
        continue;
      }
      if (res.ok) return res;
      if (RETRY_STATUSES.has(res.status) && attempt < this.retry.retries) {
        await res.body?.cancel();
        const hint = parseRetryAfter(res.headers.get('retry-after'), this.now());
        await this.pause(backoffDelay(this.retry, attempt++, this.random, hint), init.signal);
        continue;
      }
      const text = await res.text().catch(() => '');
      let env: Envelope | undefined;
      try {
        env = parseJson(text) as Envelope;
      } catch {
        env = undefined;
      }
      throw new ApiError(res.status, env?.error_code ?? 'HttpError', env?.error ?? (text.slice(0, 200) || res.statusText), env ?? text);
    }
  }

  // ---- account ----

  async credits(signal?: AbortSignal): Promise<Credit[]> {
    const env = await this.call({ method: 'GET', path: '/s2s/v1.0/client/credit', signal });
    return (env.results ?? env.result ?? []) as Credit[];
  }

  /** Total of all credit lots. */
  async balance(signal?: AbortSignal): Promise<number> {
    return (await this.credits(signal)).reduce((sum, c) => sum + c.amount, 0);
  }

  async historyPage(opts: PageOptions = {}, signal?: AbortSignal): Promise<Page<HistoryEntry>> {
    const env = await this.call({
      method: 'GET', path: '/s2s/v1.0/client/credit/history', signal,
      query: { page_size: opts.pageSize, starting_token: opts.startingToken },
    });
    return { items: env.result?.history ?? [], nextToken: env.result?.next_token || undefined };
  }

  /** Credit history pages, newest first, following next_token until the last page. */
  historyPages(opts: PageOptions = {}, signal?: AbortSignal): AsyncGenerator<Page<HistoryEntry>> {
    return paginate((startingToken) => this.historyPage({ ...opts, startingToken }, signal), opts.startingToken);
  }

  /** Every credit history entry across pages. */
  history(opts: PageOptions = {}, signal?: AbortSignal): AsyncGenerator<HistoryEntry> {
    return flatten(this.historyPages(opts, signal));
  }

  // ---- styles ----

  async styleGroupsPage(feature: FeatureId | string, opts: PageOptions = {}, signal?: AbortSignal): Promise<Page<StyleGroup>> {
    const env = await this.call({
      method: 'GET', path: `/s2s/v1.0/task/style-group/${segmentOf(feature)}`, signal,
      query: { page_size: opts.pageSize, starting_token: opts.startingToken },
    });
    return { items: env.result?.groups ?? [], nextToken: env.result?.next_token || undefined };
  }

  styleGroups(feature: FeatureId | string, opts: PageOptions = {}, signal?: AbortSignal): AsyncGenerator<StyleGroup> {
    return flatten(paginate((startingToken) => this.styleGroupsPage(feature, { ...opts, startingToken }, signal), opts.startingToken));
  }

  async stylesPage(feature: FeatureId | string, groupId: IdInput, opts: PageOptions = {}, signal?: AbortSignal): Promise<Page<Style>> {
    const env = await this.call({
      method: 'GET', path: `/s2s/v1.0/task/style/${segmentOf(feature)}`, signal,
      query: { style_group_id: String(groupId), page_size: opts.pageSize, starting_token: opts.startingToken },
    });
    return { items: env.result?.styles ?? [], nextToken: env.result?.next_token || undefined };
  }

  styles(feature: FeatureId | string, groupId: IdInput, opts: PageOptions = {}, signal?: AbortSignal): AsyncGenerator<Style> {
    return flatten(paginate((startingToken) => this.stylesPage(feature, groupId, { ...opts, startingToken }, signal), opts.startingToken));
  }

  // ---- files ----

  /** Registers a file for a feature and sends its bytes with exactly the method, url and headers the server returned. Returns the file_id. */
  async upload(
    feature: FeatureId | string,
    data: Bytes,
    opts: { contentType?: string; fileName?: string; signal?: AbortSignal } = {},
  ): Promise<string> {
    const contentType = await resolveContentType(data, opts.contentType, opts.fileName);
    const fileName = opts.fileName ?? `upload.${extensionFor(contentType)}`;
    const env = await this.call({
      method: 'POST', path: `/s2s/v1.1/file/${segmentOf(feature)}`, signal: opts.signal,
      body: { files: [{ content_type: contentType, file_name: fileName, file_size: byteLength(data) }] },
    });
    const file = (env.result?.files as FileEntry[] | undefined)?.[0];
    if (!file?.file_id) throw new ApiError(200, 'BadResponse', 'file request answered without a file_id', env);
    for (const r of file.requests ?? []) await this.send(r, data, opts.signal);
    return file.file_id;
  }

  private async send(r: UploadRequest, data: Bytes, signal?: AbortSignal): Promise<void> {
    const res = await this.raw(r.method, r.url, { headers: r.headers, body: data, signal });
    await res.body?.cancel();
  }

  /** Downloads a result URL. */
  async download(url: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.raw('GET', url, { signal });
    return new Uint8Array(await res.arrayBuffer());
  }

  // ---- tasks ----

  /**
   * Cancels a running task (Darkroom extension; never charged). Resolves false when the server
   * does not have the extension.
   */
  async cancel(feature: FeatureId | string, taskId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.call({ method: 'POST', path: `/s2s/v1.0/task/${segmentOf(feature)}/cancel`, query: { task_id: taskId }, signal });
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return false;
      throw err;
    }
  }

  /** One status poll. */
  async taskStatus(feature: FeatureId | string, taskId: string, signal?: AbortSignal): Promise<TaskState> {
    const env = await this.call({ method: 'GET', path: `/s2s/v1.0/task/${segmentOf(feature)}`, query: { task_id: taskId }, signal });
    return env.result as TaskState;
  }

  /**
   * Creates a task (POST task/{feature}) and returns its task_id. Retries reuse `requestId`, so a
   * retried creation answers the original task and is charged once.
   */
  async createTask(
    feature: FeatureId | string,
    body: { requestId: number; fileSets?: Partial<Record<FileSetName, string[]>>; params?: object; outputExt?: string; callbackUrl?: string },
    signal?: AbortSignal,
  ): Promise<string> {
    const payload: Record<string, unknown> = {};
    if (body.fileSets && Object.keys(body.fileSets).length > 0) payload.file_sets = body.fileSets;
    payload.actions = [body.params && Object.keys(body.params).length > 0 ? { id: 0, params: encodeParams(body.params) } : { id: 0 }];
    if (body.outputExt) payload.output_ext = body.outputExt;
    const wire: Record<string, unknown> = { request_id: body.requestId, payload };
    if (body.callbackUrl) wire.callback_url = body.callbackUrl;
    const env = await this.call({ method: 'POST', path: `/s2s/v1.0/task/${segmentOf(feature)}`, body: wire, signal });
    const taskId = env.result?.task_id;
    if (typeof taskId !== 'string') throw new ApiError(200, 'BadResponse', 'task creation answered without a task_id', env);
    return taskId;
  }

  /** Takes the next request_id of this client's counter. */
  takeRequestId(): number {
    return this.nextRequestId++;
  }

  /**
   * Runs a feature end to end: uploads the inputs, creates the task, polls at the server's interval
   * and returns the outputs. Throws TaskError when the task fails, ApiError for HTTP errors, and
   * AbortError when `signal` fires (after cancelling the task on servers that support it).
   */
  async run<F extends FeatureId>(feature: F, input: RunInput<F>, opts: RunOptions = {}): Promise<RunResult<F>> {
    const info = FEATURES[feature];
    if (!info) throw new TypeError(`unknown feature "${feature}"`);
    const { signal, onProgress } = opts;
    const params = (input as { params?: Record<string, unknown> }).params ?? {};
    const missing = info.requiredParams.filter((p) => params[p] === undefined);
    if (missing.length > 0) throw new TypeError(`${feature} needs params: ${missing.join(', ')}`);

    const uploads: Array<{ set: FileSetName; input: Input }> = [];
    for (const role of ['src', 'mask', 'ref'] as const) {
      const set = info.inputs[role];
      const given = input[role];
      if (given === undefined) {
        if (set) throw new TypeError(`${feature} needs a ${role} input`);
        continue;
      }
      if (!set) throw new TypeError(`${feature} takes no ${role} input`);
      for (const one of Array.isArray(given) ? given : [given]) uploads.push({ set, input: one });
    }

    const started = this.now();
    let taskId: string | undefined;
    try {
      const fileSets: Partial<Record<FileSetName, string[]>> = {};
      let uploaded = 0;
      for (const u of uploads) {
        onProgress?.({ stage: 'upload', uploaded, total: uploads.length });
        const id = await this.uploadInput(feature, u.input, signal);
        (fileSets[u.set] ??= []).push(id);
        uploaded++;
      }
      if (uploads.length > 0) onProgress?.({ stage: 'upload', uploaded, total: uploads.length });

      const requestId = opts.requestId ?? this.takeRequestId();
      taskId = await this.createTask(feature, {
        requestId, fileSets, params, outputExt: input.outputExt, callbackUrl: input.callbackUrl,
      }, signal);
      onProgress?.({ stage: 'created', taskId, requestId });

      for (let polls = 1; ; polls++) {
        const state = await this.taskStatus(feature, taskId, signal);
        if (state.status === 'success') {
          onProgress?.({ stage: 'done', taskId, elapsedMs: this.now() - started });
          return this.result(feature, taskId, requestId, state.results ?? []);
        }
        if (state.status === 'error') {
          throw new TaskError(state.error ?? 'unknown_internal_error', state.error_message ?? `task ${taskId} failed`, taskId);
        }
        onProgress?.({
          stage: 'running', taskId, polls, elapsedMs: this.now() - started,
          ...(typeof state.progress === 'number' ? { progress: state.progress } : {}),
        });
        const wait = Math.min(this.maxPollMs, Math.max(this.minPollMs, state.polling_interval ?? 1000));
        await this.pause(wait, signal);
      }
    } catch (err) {
      if (signal?.aborted || err instanceof AbortError) {
        if (taskId) {
          // The caller's signal is spent; the cancel gets its own short budget.
          await this.cancel(feature, taskId, AbortSignal.timeout(5000)).catch(() => false);
        }
        throw new AbortError('run aborted', taskId);
      }
      throw err;
    }
  }

  private async uploadInput(feature: FeatureId, input: Input, signal?: AbortSignal): Promise<string> {
    if ('fileId' in input && typeof input.fileId === 'string') return input.fileId;
    if ('data' in input && !(input instanceof Uint8Array)) {
      return this.upload(feature, input.data, { contentType: input.contentType, fileName: input.fileName, signal });
    }
    return this.upload(feature, input as Bytes, { signal });
  }

  private result<F extends FeatureId>(feature: F, taskId: string, requestId: number, results: ActionResult[]): RunResult<F> {
    const outputs: TaskOutput[] = results.flatMap((r) =>
      (r.data ?? []).map((d) => ({
        actionId: r.id,
        dstId: d.dst_id,
        url: d.url,
        data: d,
        download: (signal?: AbortSignal) => {
          if (!d.url) throw new TypeError(`output of task ${taskId} has no url`);
          return this.download(d.url, signal);
        },
      })),
    );
    return {
      feature, taskId, requestId, results, outputs,
      download: async (signal?: AbortSignal) => {
        const first = outputs.find((o) => o.url);
        if (!first) throw new TypeError(`task ${taskId} returned no downloadable output`);
        return first.download(signal);
      },
    };
  }
}

function segmentOf(feature: string): string {
  const id = resolveFeature(feature);
  return id ? FEATURES[id].segment : feature;
}

/** Style ids may exceed 2^53 on the original service; send them as exact JSON numbers. */
function encodeParams(params: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  const p = params as { style_group_id?: IdInput; style_ids?: IdInput[] };
  if (p.style_group_id !== undefined) out.style_group_id = wireId(p.style_group_id);
  if (Array.isArray(p.style_ids)) out.style_ids = p.style_ids.map(wireId);
  return out;
}

async function* paginate<T>(fetchPage: (token?: string) => Promise<Page<T>>, start?: string): AsyncGenerator<Page<T>> {
  let token = start;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    // Stop on the last page, and on a server that repeats a token (it would loop forever).
    if (!page.nextToken || seen.has(page.nextToken) || page.items.length === 0) return;
    seen.add(page.nextToken);
    token = page.nextToken;
  }
}

async function* flatten<T>(pages: AsyncGenerator<Page<T>>): AsyncGenerator<T> {
  for await (const page of pages) yield* page.items;
}
