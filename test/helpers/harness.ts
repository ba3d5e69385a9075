import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createDarkroom, type Darkroom, type DarkroomOptions } from '../../src/app.js';
import { encryptIdToken } from '../../src/auth/id-token.js';
import { loadConfig, type ConfigOverrides, type DarkroomConfig } from '../../src/config.js';
import { ManualClock } from '../../src/util/clock.js';

export const TESTDATA = process.env.DARKROOM_TESTDATA ?? path.resolve(import.meta.dirname, '../../../shared/testdata');
export const testPhoto = (name: string): Buffer => readFileSync(path.join(TESTDATA, name));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function deepMerge<T>(base: T, over: unknown): T {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    if (v === undefined) continue;
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? deepMerge(cur, v) : v;
  }
  return out as T;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A YCE client as a customer would write it: RSA id_token, Bearer token, upload URLs, polling. */
export class TestClient {
  token?: string;
  private requestCounter = 0;
  constructor(
    readonly baseUrl: string,
    readonly clientId: string,
    readonly clientSecret: string,
    private readonly now: () => number,
  ) {}

  idToken(timestamp = this.now()): string {
    return encryptIdToken(this.clientId, this.clientSecret, timestamp);
  }

  async auth(): Promise<string> {
    const r = await this.api('POST', '/s2s/v1.0/client/auth', { client_id: this.clientId, id_token: this.idToken() }, false);
    if (r.status !== 200) throw new Error(`auth failed: ${JSON.stringify(r.body)}`);
    this.token = r.body.result.access_token;
    return this.token!;
  }

  async api<T = any>(method: string, urlPath: string, body?: unknown, withToken = true, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (withToken && this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.baseUrl}${urlPath}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Asks for an upload URL and PUTs the bytes exactly as told. */
  async upload(feature: string, data: Buffer, contentType = 'image/jpeg', fileName = 'input'): Promise<string> {
    const r = await this.api('POST', `/s2s/v1.1/file/${feature}`, { files: [{ content_type: contentType, file_name: fileName, file_size: data.length }] });
    if (r.status !== 200) throw new Error(`file request failed: ${JSON.stringify(r.body)}`);
    const f = r.body.result.files[0];
    const req = f.requests[0];
    const put = await fetch(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(data) });
    if (put.status !== 200) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
    return f.file_id;
  }

  async createTask(feature: string, fileSets: Record<string, string[]> | undefined, params?: Record<string, unknown>, requestId = this.requestCounter++, extra: Record<string, unknown> = {}): Promise<ApiResponse> {
    return this.api('POST', `/s2s/v1.0/task/${feature}`, {
      request_id: requestId,
      payload: { ...(fileSets ? { file_sets: fileSets } : {}), actions: [{ id: 0, ...(params ? { params } : {}) }], ...extra },
    });
  }

  async poll(feature: string, taskId: string): Promise<ApiResponse> {
    return this.api('GET', `/s2s/v1.0/task/${feature}?task_id=${encodeURIComponent(taskId)}`);
  }

  /** Polls until the task leaves `running`; returns the last poll's result. */
  async waitForTask(feature: string, taskId: string, timeoutMs = 120_000): Promise<any> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.poll(feature, taskId);
      if (r.status !== 200) throw new Error(`poll failed: ${JSON.stringify(r.body)}`);
      if (r.body.result.status !== 'running') return r.body.result;
      if (Date.now() > end) throw new Error(`task ${taskId} still running after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, Math.min(r.body.result.polling_interval, 500)));
    }
  }

  /** Uploads the inputs, runs the task and waits for its end. */
  async runTask(feature: string, inputs: { src?: Buffer; srcType?: string; mask?: Buffer; maskSet?: string; ref?: Buffer | Buffer[]; refType?: string }, params?: Record<string, unknown>): Promise<any> {
    const fileSets: Record<string, string[]> = {};
    if (inputs.src) fileSets.src_ids = [await this.upload(feature, inputs.src, inputs.srcType ?? sniffType(inputs.src))];
    if (inputs.mask) fileSets[inputs.maskSet ?? 'mask_ids'] = [await this.upload(feature, inputs.mask, 'image/png')];
    if (inputs.ref) {
      const refs = Array.isArray(inputs.ref) ? inputs.ref : [inputs.ref];
      fileSets.ref_ids = await Promise.all(refs.map((r) => this.upload(feature, r, inputs.refType ?? sniffType(r))));
    }
    const created = await this.createTask(feature, Object.keys(fileSets).length ? fileSets : undefined, params);
    if (created.status !== 200) throw new Error(`task creation failed: ${JSON.stringify(created.body)}`);
    return this.waitForTask(feature, created.body.result.task_id);
  }

  async download(url: string): Promise<Buffer> {
    const r = await fetch(url);
    if (r.status !== 200) throw new Error(`download failed: ${r.status}`);
    return Buffer.from(await r.arrayBuffer());
  }
}

export function sniffType(data: Buffer): string {
  if (data[0] === 0x89 && data[1] === 0x50) return 'image/png';
  if (data.toString('latin1', 4, 8) === 'ftyp') return data.toString('latin1', 8, 12).startsWith('hei') || data.toString('latin1', 8, 12) === 'mif1' ? 'image/heic' : 'video/mp4';
  return 'image/jpeg';
}

export interface TestServer {
  app: Darkroom;
  baseUrl: string;
  config: DarkroomConfig;
  clock: ManualClock | undefined;
  /** Creates an API key with `credits` pay-as-you-go credits and returns an authenticated client. */
  newClient(credits?: number): Promise<TestClient>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Omit<DarkroomOptions, 'clock'> {
  /** Use a hand-driven clock (token expiry, abandonment). */
  manualClock?: boolean;
}

/**
 * A real Darkroom on a free loopback port with its own temporary data dir: SQLite, local disk,
 * in-process engines. Rate limits are off unless a test turns them on; sweeps run when the test asks.
 */
export async function startTestServer(overrides: ConfigOverrides = {}, opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-test-'));
  const port = await freePort();
  // Through the real loader (validation included), with no environment and no config file.
  const config = loadConfig(
    deepMerge(
      {
        host: '127.0.0.1',
        port,
        publicUrl: `http://127.0.0.1:${port}`,
        dataDir,
        logLevel: 'silent',
        rateLimit: { enabled: false },
        devKey: { enabled: false },
        tasks: { pollingIntervalMs: 200, concurrency: 2 },
        engines: { workers: 2 },
        auth: { keyBits: 1024 },
        webhooks: { allowPrivateNetworks: true },
        // No test reaches the network: auto-pull is tested against a local server that turns it on.
        models: { autoPull: false },
      } satisfies ConfigOverrides,
      overrides,
    ),
    {},
  );
  const clock = opts.manualClock ? new ManualClock() : undefined;
  const app = await createDarkroom(config, { sweepers: false, log: pino({ level: config.logLevel }), ...opts, clock });
  await app.listen();
  const baseUrl = `http://127.0.0.1:${port}`;
  const now = () => (clock ? clock.now() : Date.now());
  return {
    app,
    baseUrl,
    config,
    clock,
    async newClient(credits = 100) {
      const k = await app.services.keys.create('test');
      if (credits > 0) await app.services.credits.grant(k.clientId, credits, 'PaygToken', now() + 30 * 24 * 3600_000);
      const c = new TestClient(baseUrl, k.clientId, k.clientSecret, now);
      await c.auth();
      return c;
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
