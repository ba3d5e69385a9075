/**
 * The parts of node-forge the SDK needs (RSA, ASN.1, HMAC-SHA256, base64), imported module by
 * module: the full package pulls in TLS, PKCS#12 and more, and would triple a browser bundle.
 */
import type Forge from 'node-forge';
import forgeCore from 'node-forge/lib/forge.js';
import 'node-forge/lib/asn1.js';
import 'node-forge/lib/rsa.js';
import 'node-forge/lib/hmac.js';
import 'node-forge/lib/sha256.js';
import 'node-forge/lib/util.js';

export const forge = forgeCore as typeof Forge;
