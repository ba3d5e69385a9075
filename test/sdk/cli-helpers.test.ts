import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extensionOf, formatSummary, listBatchInputs, mapBounded, outputName, parseParams } from '../../src/cli/commands/run.js';

test('--param k=v takes JSON values when they parse, strings otherwise', () => {
  assert.deepEqual(parseParams(['scale=2', 'prompt=a red car', 'style_ids=[3]', 'face_mapping=[{"index":0,"position":1}]', 'x=true', 'eq=a=b']), {
    scale: 2, prompt: 'a red car', style_ids: [3], face_mapping: [{ index: 0, position: 1 }], x: true, eq: 'a=b',
  });
  assert.throws(() => parseParams(['novalue']), /key=value/);
  assert.throws(() => parseParams(['=3']), /key=value/);
});

test('mapBounded never runs more than the limit at once and keeps order', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, n * 3));
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
  assert.equal(peak, 2);
});

test('batch inputs are the photos of the folder, sorted; outputs are named after input and feature', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dr-batch-'));
  for (const n of ['b.PNG', 'a.jpg', 'notes.txt', 'c.heic', 'clip.mp4']) await writeFile(path.join(dir, n), 'x');
  await mkdir(path.join(dir, 'sub.jpg'));
  assert.deepEqual((await listBatchInputs(dir, 'color-correct')).map((f) => path.basename(f)), ['a.jpg', 'b.PNG', 'c.heic']);
  assert.deepEqual((await listBatchInputs(dir, 'video-sr')).map((f) => path.basename(f)), ['clip.mp4']);
  assert.equal(outputName('/x/photo.jpg', 'sod', 0, 'png'), 'photo.sod.png');
  assert.equal(outputName('/x/photo.jpg', 'bg-blur', 1, 'jpg'), 'photo.bg-blur-2.jpg');
  assert.equal(outputName(undefined, 'face-swap/pre-process', 0, 'json'), 'result.face-swap-pre-process.json');
  assert.equal(extensionOf(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), 'png');
  assert.equal(extensionOf(new Uint8Array([0xff, 0xd8, 0xff])), 'jpg');
});

test('the summary table aligns columns and counts failures', () => {
  const text = formatSummary([
    { input: '/in/a.jpg', ok: true, seconds: 1.23, taskId: 'abcdefghijklmnop', detail: 'a.color-correct.jpg' },
    { input: '/in/long-name.png', ok: false, seconds: 0.5, detail: 'error_decode_image: cannot decode' },
  ]);
  const lines = text.split('\n');
  assert.match(lines[0], /^file\s+status\s+seconds\s+task\s+output \/ error$/);
  assert.match(lines[2], /^a\.jpg\s+ok\s+1\.2\s+abcdefghijkl\s+a\.color-correct\.jpg$/);
  assert.match(lines[3], /^long-name\.png\s+FAILED\s+0\.5\s+-\s+error_decode_image: cannot decode$/);
  assert.equal(lines[2].indexOf('ok'), lines[3].indexOf('FAILED'));
  assert.equal(lines.at(-1), '1 succeeded, 1 failed');
});
