/**
 * Verifies a task webhook signed in the Standard Webhooks style: headers `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">` (several space-separated signatures are allowed, for key rotation).
 * Uses node-forge's HMAC so it runs in browsers and Node alike, synchronously.
 */
import { forge } from './forge.js';

export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** Largest allowed clock difference; rejects replays of old deliveries. Default 300 s. */
  toleranceSec?: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const rec = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : rec[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The HMAC key: a Standard Webhooks secret `whsec_<base64>` is its decoded bytes (as Standard Webhooks does); any other
 * string is used as its UTF-8 bytes.
 */
function keyBytes(secret: string): string {
  if (secret.startsWith('whsec_')) {
    // Secrets may be written in base64 or base64url.
    return forge.util.decode64(secret.slice('whsec_'.length).replace(/-/g, '+').replace(/_/g, '/'));
  }
  return forge.util.encodeUtf8(secret);
}

function bodyBytes(body: string | Uint8Array | ArrayBuffer): string {
  if (typeof body === 'string') return forge.util.encodeUtf8(body);
  const u8 = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return s;
}

/** base64 HMAC-SHA256 of "id.timestamp.body" under the secret. */
export function signWebhook(secret: string, id: string, timestamp: string | number, body: string | Uint8Array | ArrayBuffer): string {
  const hmac = forge.hmac.create();
  hmac.start('sha256', keyBytes(secret));
  hmac.update(`${forge.util.encodeUtf8(id)}.${timestamp}.`);
  hmac.update(bodyBytes(body));
  return forge.util.encode64(hmac.digest().getBytes());
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * True when one of the `v1,` signatures matches and the timestamp is within the tolerance.
 * Pass the body exactly as received (the raw string or bytes, not re-serialized JSON).
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array | ArrayBuffer,
  options: VerifyWebhookOptions = {},
): boolean {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) return false;
  const nowSec = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSec - Number(ts)) > (options.toleranceSec ?? 300)) return false;
  const expected = signWebhook(secret, id, ts, body);
  return sigs
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => constantTimeEqual(s.slice(3), expected));
}
