import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';

/** The proxy a request to `url` should go through, from the usual environment variables. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = url.hostname.toLowerCase();
  if (noProxy.some((p) => p === '*' || host === p.replace(/^\./, '') || host.endsWith(p.startsWith('.') ? p : `.${p}`))) return undefined;
  const proxy = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  return proxy || undefined;
}

const direct = new Agent({ headersTimeout: 60_000, bodyTimeout: 60_000 });
const proxies = new Map<string, Dispatcher>();

function dispatcherFor(url: URL, env: NodeJS.ProcessEnv): Dispatcher {
  const proxy = proxyFor(url, env);
  if (!proxy) return direct;
  let d = proxies.get(proxy);
  if (!d) {
    d = new ProxyAgent({ uri: proxy, headersTimeout: 60_000, bodyTimeout: 60_000 });
    proxies.set(proxy, d);
  }
  return d;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** GETs `url`, following redirects (release downloads and model hubs answer with one). */
async function get(url: string, headers: Record<string, string>, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Response> {
  let current = new URL(url);
  for (let hop = 0; hop < 8; hop++) {
    const res = await request(current, { method: 'GET', headers: { 'user-agent': 'darkroom-models', ...headers }, dispatcher: dispatcherFor(current, env), signal });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && location) {
      await res.body.dump();
      current = new URL(String(location), current);
      continue;
    }
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }
  throw new Error(`too many redirects from ${url}`);
}

export class DownloadError extends Error {}

async function hashExisting(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

export interface DownloadOptions {
  env?: NodeJS.ProcessEnv;
  onProgress?: (received: number, total: number | undefined) => void;
  /** Stops the download (the partial file stays, to be continued). */
  signal?: AbortSignal;
}

/**
 * Downloads `url` into `part`, continuing a previous partial download with an HTTP Range request
 * when the server allows it (a server that ignores Range sends the whole file again). Returns the
 * sha256 of the whole file.
 */
export async function downloadToPart(url: string, part: string, opts: DownloadOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const hash = createHash('sha256');
  let have = existsSync(part) ? statSync(part).size : 0;
  const res = await get(url, have > 0 ? { range: `bytes=${have}-` } : {}, env, opts.signal);
  if (res.status === 416 && have > 0) {
    // The partial file is already whole.
    res.body.resume();
    await hashExisting(part, hash);
    return hash.digest('hex');
  }
  if (res.status !== 200 && res.status !== 206) {
    res.body.resume();
    throw new DownloadError(`download of ${url} failed: HTTP ${res.status}`);
  }
  if (res.status === 206 && have > 0) await hashExisting(part, hash);
  else have = 0;
  const length = Number(res.headers['content-length']);
  const total = Number.isFinite(length) ? have + length : undefined;
  let received = have;
  opts.onProgress?.(received, total);
  const out = createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      hash.update(buf);
      received += buf.length;
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      opts.onProgress?.(received, total);
    }
  } catch (e) {
    throw new DownloadError(`download of ${url} was interrupted after ${received} bytes (${e instanceof Error ? e.message : String(e)}); run the same command again to continue`);
  } finally {
    await new Promise<void>((r) => out.end(r));
  }
  if (total !== undefined && received !== total) throw new DownloadError(`download of ${url} stopped after ${received} of ${total} bytes; run the same command again to continue`);
  return hash.digest('hex');
}
