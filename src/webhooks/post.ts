import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { safeLookup } from './url-policy.js';

/**
 * POSTs a body and resolves with the status code. No redirects are followed; with `guardAddresses`
 * the connection refuses private addresses at connect time (see safeLookup).
 */
export function postJson(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; guardAddresses: boolean }): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: opts.timeoutMs,
        ...(opts.guardAddresses ? { lookup: safeLookup as never } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('webhook timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
