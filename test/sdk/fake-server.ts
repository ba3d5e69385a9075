/**
 * A scripted in-memory YCE server behind a fetch function, for unit tests of request shapes and
 * retry logic. Each route returns [httpStatus, body, headers?]; every request is logged.
 */
export interface Logged {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  bytes?: Uint8Array;
}

export type Handler = (req: Logged) => [number, unknown, Record<string, string>?] | Promise<[number, unknown, Record<string, string>?]>;

export function fakeFetch(handler: Handler): { fetch: typeof fetch; log: Logged[] } {
  const log: Logged[] = [];
  const f = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const req: Logged = { method: init.method ?? 'GET', url, headers };
    if (typeof init.body === 'string') req.body = init.body;
    else if (init.body instanceof Uint8Array) req.bytes = init.body;
    else if (init.body instanceof Blob) req.bytes = new Uint8Array(await init.body.arrayBuffer());
    else if (init.body instanceof ArrayBuffer) req.bytes = new Uint8Array(init.body);
    log.push(req);
    if (init.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    const [status, body, extra] = await handler(req);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status, headers: { 'content-type': 'application/json', ...extra },
    });
  };
  return { fetch: f as typeof fetch, log };
}

export const ok = (result: unknown): [number, unknown] => [200, { status: 200, result }];
