import { createHash, randomBytes } from 'node:crypto';

/** Random URL-safe identifier: `bytes` of entropy. */
export function randomId(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deeper values are refused: callers bound their input first (features/validation.ts); this is the backstop. */
const CANONICAL_MAX_DEPTH = 64;

/** Canonical JSON (sorted keys) so equal params always hash equally. Recursion is bounded. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > CANONICAL_MAX_DEPTH) throw new Error(`canonicalJson: nested deeper than ${CANONICAL_MAX_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
