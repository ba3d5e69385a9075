/** A throwaway RSA key pair in the form the service hands out (client_secret = base64 SPKI DER). */
import { generateKeyPairSync } from 'node:crypto';

export function makeKeyPair(bits = 1024): { clientSecret: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    clientSecret: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
