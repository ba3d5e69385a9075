import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC signatures for the local driver's upload and download URLs. */
export class UrlSigner {
  constructor(private readonly key: Buffer) {}

  sign(parts: (string | number)[]): string {
    return createHmac('sha256', this.key).update(parts.join('\n')).digest('base64url');
  }

  verify(parts: (string | number)[], signature: string): boolean {
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
