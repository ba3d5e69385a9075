import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The origin (scheme://host[:port]) the current request came to. Signed storage URLs and style
 * thumbnails are built from it when no `publicUrl` is configured, so a client that reached the
 * server as http://192.168.1.20:8080 gets URLs it can reach, not http://localhost:8080.
 */
const current = new AsyncLocalStorage<string>();

/** Host names and IP literals with an optional port: nothing that could break out of a URL. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Fastify's protocol and host already follow X-Forwarded-Proto/Host only when trustProxy is on. */
export function originOf(req: FastifyRequest): string | undefined {
  const host = req.host;
  const scheme = req.protocol === 'https' ? 'https' : 'http';
  return host && HOST.test(host) ? `${scheme}://${host.toLowerCase()}` : undefined;
}

export function installRequestOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const origin = originOf(req);
    if (origin) current.run(origin, done);
    else done();
  });
}

/** The current request's origin, if code runs on behalf of a request. */
export function requestOrigin(): string | undefined {
  return current.getStore();
}

/** `publicUrl` when configured, else the current request's origin, else the local address. */
export function publicBaseUrl(config: { publicUrl: string; port: number }): string {
  return config.publicUrl || requestOrigin() || `http://localhost:${config.port}`;
}

/** A configured public URL that only this machine can reach. */
export function isLocalhostUrl(url: string): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
  } catch {
    return false;
  }
}
