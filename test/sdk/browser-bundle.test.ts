/** The web console bundles the SDK for browsers: it must resolve without any Node built-in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

test('the SDK bundles for the browser platform with no Node built-ins', async () => {
  const entry = fileURLToPath(new URL('../../sdk/src/index.ts', import.meta.url));
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
  const inputs = Object.keys(out.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes('node-forge/lib/rsa.js')));
  assert.deepEqual(inputs.filter((i) => /^node:|(^|\/)(fs|path|crypto|child_process)$/.test(i)), []);
  // Only the forge modules the SDK needs: TLS and PKCS#12 stay out.
  assert.deepEqual(inputs.filter((i) => /node-forge\/lib\/(tls|pkcs12|x509|ssh)\.js$/.test(i)), []);
  assert.ok(out.outputFiles[0].contents.byteLength < 200_000, `bundle is ${out.outputFiles[0].contents.byteLength} bytes`);
});
