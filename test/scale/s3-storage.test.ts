import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { S3Storage } from '../../src/storage/s3.js';
import { testPhoto } from '../helpers/harness.js';
import { startS3, type TestS3 } from './support/services.js';

let s3: TestS3;
let storage: S3Storage;
before(async () => {
  s3 = await startS3();
  storage = new S3Storage({ endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
});
after(async () => {
  storage?.close();
  await s3?.close();
});

test('a client uploads through a presigned PUT and downloads through a presigned GET', async () => {
  const photo = testPhoto('fruits.jpg');
  const key = 'uploads/ab/abc123.jpg';
  assert.equal(await storage.stat(key), undefined, 'nothing is stored before the upload');
  const req = await storage.presignUpload(key, { contentType: 'image/jpeg', contentLength: photo.length, expiresAt: Date.now() + 3600_000 });
  assert.equal(req.method, 'PUT');
  assert.equal(req.headers['Content-Type'], 'image/jpeg');
  assert.equal(req.headers['Content-Length'], String(photo.length));
  const url = new URL(req.url);
  assert.equal(url.origin, s3.endpoint, 'the URL points at the configured endpoint');
  assert.ok(url.pathname.startsWith(`/${s3.bucket}/`), 'path-style addressing');
  // The declared type and size are part of the signature, so the store refuses any other upload.
  const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders')!.split(';');
  assert.ok(signedHeaders.includes('content-type') && signedHeaders.includes('content-length'), signedHeaders.join(';'));
  assert.ok(Number(url.searchParams.get('X-Amz-Expires')) > 3500);

  const put = await fetch(req.url, { method: 'PUT', headers: req.headers, body: new Uint8Array(photo) });
  assert.equal(put.status, 200, await put.text());
  assert.deepEqual(await storage.stat(key), { size: photo.length });
  assert.ok((await storage.get(key)).equals(photo));

  const getUrl = await storage.presignDownload(key, { expiresAt: Date.now() + 7200_000, contentType: 'image/jpeg', fileName: 'result "1".jpg' });
  const res = await fetch(getUrl);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.match(res.headers.get('content-disposition') ?? '', /filename="result _1_.jpg"/);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(photo));
});

test('results are written server-side, and deleting removes them (retention sweep path)', async () => {
  const data = Buffer.from('not really a png');
  await storage.put('results/zz/r1.png', data, 'image/png');
  assert.deepEqual(await storage.stat('results/zz/r1.png'), { size: data.length });
  await storage.delete('results/zz/r1.png');
  assert.equal(await storage.stat('results/zz/r1.png'), undefined);
  await assert.rejects(storage.get('results/zz/r1.png'));
  // Deleting an object that is already gone is not an error (sweeps may race).
  await storage.delete('results/zz/r1.png');
});

test('check() reaches the store: a missing bucket or a stopped endpoint fails readiness', async () => {
  await storage.check();
  const wrongBucket = new S3Storage({ endpoint: s3.endpoint, region: 'us-east-1', bucket: 'no-such-bucket', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
  await assert.rejects(wrongBucket.check());
  wrongBucket.close();
  const nobody = new S3Storage({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: s3.bucket, accessKeyId: 'x', secretAccessKey: 'y', forcePathStyle: true });
  await assert.rejects(nobody.check());
  nobody.close();
});

test('a separate public endpoint signs client URLs while server calls use the internal one', async () => {
  // Clients reach the store as "localhost"; the servers reach it as 127.0.0.1 (as containers would reach "minio").
  const publicEndpoint = s3.endpoint.replace('127.0.0.1', 'localhost');
  const split = new S3Storage({ endpoint: s3.endpoint, publicEndpoint, region: 'us-east-1', bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
  const data = testPhoto('home.jpg');
  const req = await split.presignUpload('uploads/pp/public.jpg', { contentType: 'image/jpeg', contentLength: data.length, expiresAt: Date.now() + 600_000 });
  assert.equal(new URL(req.url).hostname, 'localhost');
  assert.equal((await fetch(req.url, { method: 'PUT', headers: req.headers, body: new Uint8Array(data) })).status, 200);
  assert.deepEqual(await split.stat('uploads/pp/public.jpg'), { size: data.length }, 'the server side sees the object through its own endpoint');
  assert.equal(new URL(await split.presignDownload('uploads/pp/public.jpg', { expiresAt: Date.now() + 600_000, contentType: 'image/jpeg' })).hostname, 'localhost');
  split.close();
});
