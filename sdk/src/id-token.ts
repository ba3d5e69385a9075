/**
 * The id_token of the auth call: base64(RSA PKCS#1 v1.5 encrypt("client_id=<id>&timestamp=<ms>"))
 * under the client_secret, a base64 X.509 SubjectPublicKeyInfo (DER) RSA public key. node-forge
 * does the RSA so the same code runs in Node and in browsers.
 */
import type Forge from 'node-forge';
import { forge } from './forge.js';

const keyCache = new Map<string, Forge.pki.rsa.PublicKey>();

/** Accepts the bare base64 DER the service hands out, or the same key wrapped as PEM. */
function loadPublicKey(clientSecret: string): Forge.pki.rsa.PublicKey {
  const cached = keyCache.get(clientSecret);
  if (cached) return cached;
  let key: Forge.pki.rsa.PublicKey;
  try {
    // A PEM "PUBLIC KEY" is the same DER between its armour lines.
    const b64 = clientSecret.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
    const der = forge.util.decode64(b64);
    key = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(der)) as Forge.pki.rsa.PublicKey;
  } catch (err) {
    throw new Error(`client_secret is not a base64 X.509 RSA public key: ${(err as Error).message}`);
  }
  keyCache.set(clientSecret, key);
  return key;
}

export function idTokenPlaintext(clientId: string, timestampMs: number): string {
  return `client_id=${clientId}&timestamp=${Math.trunc(timestampMs)}`;
}

export function createIdToken(clientId: string, clientSecret: string, timestampMs: number): string {
  const key = loadPublicKey(clientSecret);
  const plain = forge.util.encodeUtf8(idTokenPlaintext(clientId, timestampMs));
  return forge.util.encode64(key.encrypt(plain, 'RSAES-PKCS1-V1_5'));
}
