import { test } from 'node:test';
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { createIdToken, idTokenPlaintext } from '../../sdk/src/index.js';
import { makeKeyPair } from './keys.js';

function decrypt(token: string, privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  return key.decrypt(forge.util.decode64(token), 'RSAES-PKCS1-V1_5');
}

test('id_token decrypts with the private key to client_id=<id>&timestamp=<ms>', () => {
  const { clientSecret, privateKeyPem } = makeKeyPair(1024);
  const token = createIdToken('my-client', clientSecret, 1700000000123);
  // 1024-bit keys give 128-byte ciphertexts: 172 base64 characters, like the vendor's samples.
  assert.equal(token.length, 172);
  assert.match(token, /^[A-Za-z0-9+/]+=*$/);
  assert.equal(decrypt(token, privateKeyPem), 'client_id=my-client&timestamp=1700000000123');
  assert.equal(idTokenPlaintext('a', 1.9), 'client_id=a&timestamp=1');
});

test('PKCS#1 v1.5 padding is random: two tokens differ yet decrypt alike', () => {
  const { clientSecret, privateKeyPem } = makeKeyPair(1024);
  const a = createIdToken('c', clientSecret, 5);
  const b = createIdToken('c', clientSecret, 5);
  assert.notEqual(a, b);
  assert.equal(decrypt(a, privateKeyPem), decrypt(b, privateKeyPem));
});

test('a PEM-wrapped secret works too, and a garbage secret fails clearly', () => {
  const { clientSecret, privateKeyPem } = makeKeyPair(2048);
  const pem = `-----BEGIN PUBLIC KEY-----\n${clientSecret.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  const token = createIdToken('pem-client', pem, 42);
  assert.equal(token.length, 344);
  assert.equal(decrypt(token, privateKeyPem), 'client_id=pem-client&timestamp=42');
  assert.throws(() => createIdToken('x', 'bm90IGEga2V5', 1), /client_secret is not a base64 X\.509 RSA public key/);
});
