import forge from 'node-forge';

export interface IdTokenClaims {
  clientId: string;
  timestamp: number;
}

/**
 * Decrypts an id_token: base64 of RSA PKCS#1 v1.5 encryption of `client_id=<id>&timestamp=<ms>`.
 * node-forge is used because Node 20's crypto refuses PKCS#1 v1.5 decryption (CVE-2023-46809).
 * Every failure returns undefined: the caller answers all of them with one error, so the response
 * reveals nothing about padding (no padding oracle).
 */
export function decryptIdToken(idToken: string, privateKeyPem: string): IdTokenClaims | undefined {
  try {
    if (!/^[A-Za-z0-9+/=_-]+$/.test(idToken) || idToken.length > 2048) return undefined;
    const key = forge.pki.privateKeyFromPem(privateKeyPem);
    const cipher = forge.util.decode64(idToken.replace(/-/g, '+').replace(/_/g, '/'));
    const plain = key.decrypt(cipher, 'RSAES-PKCS1-V1_5');
    const params = new URLSearchParams(plain);
    const clientId = params.get('client_id');
    const ts = params.get('timestamp');
    if (!clientId || !ts || !/^\d{1,16}$/.test(ts)) return undefined;
    return { clientId, timestamp: Number(ts) };
  } catch {
    return undefined;
  }
}

/** What a YCE client does with its client_secret (base64 SPKI DER public key). Used by tests and the CLI. */
export function encryptIdToken(clientId: string, clientSecret: string, timestamp: number): string {
  const der = forge.util.decode64(clientSecret);
  const pub = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(der)) as forge.pki.rsa.PublicKey;
  return forge.util.encode64(pub.encrypt(`client_id=${clientId}&timestamp=${timestamp}`, 'RSAES-PKCS1-V1_5'));
}
