import { TaskAbortedError } from '../../errors.js';
import { DiffusionBackendError } from './types.js';

/**
 * fetch with the task's signal and a deadline folded together, and every failure turned into a
 * DiffusionBackendError (so the client can fail over) or TaskAbortedError (so it stops).
 */
export async function callBackend(
  backend: string,
  url: string,
  init: RequestInit & { signal: AbortSignal; deadline: AbortSignal },
): Promise<Response> {
  const { deadline, signal, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, { ...rest, signal: AbortSignal.any([signal, deadline]) });
  } catch (e) {
    throw classify(backend, url, e, signal, deadline);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new DiffusionBackendError(backend, `${init.method ?? 'GET'} ${new URL(url).pathname} answered HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`, 'http');
  }
  return res;
}

export async function readJson<T>(backend: string, res: Response, signal: AbortSignal, deadline: AbortSignal): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (e) {
    if (signal.aborted || deadline.aborted) throw classify(backend, res.url, e, signal, deadline);
    throw new DiffusionBackendError(backend, `answer from ${new URL(res.url).pathname} is not JSON`, 'protocol');
  }
}

export async function readBytes(backend: string, res: Response, signal: AbortSignal, deadline: AbortSignal): Promise<Buffer> {
  try {
    return Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw classify(backend, res.url, e, signal, deadline);
  }
}

function classify(backend: string, url: string, e: unknown, signal: AbortSignal, deadline: AbortSignal): Error {
  if (signal.aborted) return new TaskAbortedError();
  if (deadline.aborted) return new DiffusionBackendError(backend, 'timed out', 'timeout');
  const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
  return new DiffusionBackendError(backend, `cannot reach ${safePath(url)}: ${cause}`, 'unreachable');
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Joins a base URL (with or without a trailing slash or a path prefix) and an API path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
