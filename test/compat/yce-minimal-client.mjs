#!/usr/bin/env node
// A deliberately minimal YouCam Online Editor API v1 client, written straight from the vendor's
// document and shared/spec/wire.md, sharing no code with the SDK. It behaves like the simple public
// clients: PEM-wrapped client_secret with node:crypto, the v1.0 file path (no file_size),
// "image/jpg" and request_id 0. If Darkroom answers it, a client written for the original service works.
//
// Usage: node test/compat/yce-minimal-client.mjs <baseUrl> <client_id> <client_secret> <photo.jpg> <out.jpg>
import { constants, publicEncrypt } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

function idToken(clientId, clientSecret) {
  const pem = `-----BEGIN PUBLIC KEY-----\n${clientSecret.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`;
  const plain = Buffer.from(`client_id=${clientId}&timestamp=${Date.now()}`);
  return publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_PADDING }, plain).toString('base64');
}

async function api(baseUrl, method, path, token, body) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (json.status >= 400 || !res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs color correction on a JPEG and returns { bytes, log } with every step's raw answer. */
export async function colorCorrect({ baseUrl, clientId, clientSecret, photo }) {
  const log = [];
  const auth = await api(baseUrl, 'POST', '/s2s/v1.0/client/auth', null, { client_id: clientId, id_token: idToken(clientId, clientSecret) });
  log.push(auth);
  const token = auth.result.access_token;

  const file = await api(baseUrl, 'POST', '/s2s/v1.0/file/color-correct', token, {
    files: [{ content_type: 'image/jpg', file_name: 'photo.jpg' }],
  });
  log.push(file);
  const { file_id, requests } = file.result.files[0];
  const put = requests[0];
  const up = await fetch(put.url, { method: put.method, headers: put.headers, body: photo });
  if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);

  const task = await api(baseUrl, 'POST', '/s2s/v1.0/task/color-correct', token, {
    request_id: 0,
    payload: { file_sets: { src_ids: [file_id] }, actions: [{ id: 0 }] },
  });
  log.push(task);
  const taskId = task.result.task_id;

  for (;;) {
    const status = await api(baseUrl, 'GET', `/s2s/v1.0/task/color-correct?task_id=${encodeURIComponent(taskId)}`, token);
    log.push(status);
    const r = status.result;
    if (r.status === 'success') {
      const dl = await fetch(r.results[0].data[0].url);
      if (!dl.ok) throw new Error(`download: ${dl.status}`);
      return { bytes: Buffer.from(await dl.arrayBuffer()), log, taskId, fileId: file_id };
    }
    if (r.status === 'error') throw new Error(`task failed: ${r.error} ${r.error_message}`);
    await new Promise((ok) => setTimeout(ok, Math.min(r.polling_interval, 5000)));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl, clientId, clientSecret, input, output] = process.argv.slice(2);
  if (!output) {
    console.error('usage: yce-minimal-client.mjs <baseUrl> <client_id> <client_secret> <photo.jpg> <out.jpg>');
    process.exit(2);
  }
  const { bytes, taskId } = await colorCorrect({ baseUrl, clientId, clientSecret, photo: await readFile(input) });
  await writeFile(output, bytes);
  console.log(`task ${taskId}: wrote ${bytes.length} bytes to ${output}`);
}
