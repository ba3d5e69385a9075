import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { checkInvariants, type InvariantReport } from '../../scripts/check-invariants.js';
import { openDatabase } from '../../src/db/connect.js';
import { freePort, testPhoto, TestClient } from '../helpers/harness.js';
import { ServeProcess } from './support/serve-process.js';

/**
 * Crash consistency: `darkroom serve` is killed with SIGKILL at chosen points and started again on
 * the same data dir. Afterwards no partial upload is visible, no task stays running, and the
 * invariant checker (scripts/check-invariants.ts) finds the ledger exact.
 */

let dataDir: string;
let serve: ServeProcess;
let c: TestClient;
let png: Buffer;
const results: Record<string, { survived: boolean; invariants?: InvariantReport; notes?: string }> = {};

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-crash-'));
  serve = new ServeProcess({ dataDir, port: await freePort(), env: { DARKROOM_LOG_LEVEL: 'warn', DARKROOM_POLLING_INTERVAL_MS: '200' } });
  await serve.start();
  const k = serve.devKey();
  c = new TestClient(serve.baseUrl, k.clientId, k.clientSecret, Date.now);
  await c.auth();
  png = await sharp(testPhoto('coffee.png')).resize(160).png().toBuffer();
});

after(async () => {
  await serve?.stop();
  mkdirSync('artifacts/reliability', { recursive: true });
  writeFileSync('artifacts/reliability/crash-report.json', JSON.stringify(results, null, 2));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function invariants(maxRunningMs = 60_000): Promise<InvariantReport> {
  const db = await openDatabase(`sqlite:${path.join(dataDir, 'darkroom.db')}`);
  try {
    return await checkInvariants(db, { maxRunningMs, filesRoot: path.join(dataDir, 'files') });
  } finally {
    await db.close();
  }
}

async function restart(env: Record<string, string> = {}): Promise<void> {
  await serve.kill9();
  await serve.start(env);
}

/** Polls without pause until the task leaves running (the server may die under it: then undefined). */
async function pollToEnd(feature: string, taskId: string, timeoutMs = 90_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await c.poll(feature, taskId);
      if (r.status !== 200) return r.body;
      if (r.body.result.status !== 'running') return r.body.result;
    } catch {
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`task ${taskId} still running after ${timeoutMs} ms`);
}

async function chargesFor(taskId: string): Promise<number> {
  const h = await c.api('GET', '/s2s/v1.0/client/credit/history?page_size=30');
  return h.body.result.history.filter((e: { target_id: string }) => e.target_id === taskId).length;
}

function childPids(pid: number, name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), name]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('killed mid-upload: the partial upload never becomes visible; the same URL takes the full file after restart', async () => {
  const slot = await c.api('POST', '/s2s/v1.1/file/color-correct', { files: [{ content_type: 'image/png', file_name: 'a.png', file_size: png.length }] });
  const f = slot.body.result.files[0];
  const url = new URL(f.requests[0].url);
  const req = request(url, { method: 'PUT', headers: f.requests[0].headers });
  req.on('error', () => undefined);
  req.write(png.subarray(0, Math.floor(png.length / 2)));
  await new Promise((r) => setTimeout(r, 400));
  await restart();
  req.destroy();

  const use = await c.createTask('color-correct', { src_ids: [f.file_id] });
  assert.equal(use.status, 400);
  assert.equal(use.body.error_code, 'FileNotUploaded');
  const put = await fetch(url, { method: 'PUT', headers: f.requests[0].headers, body: png as unknown as BodyInit });
  assert.equal(put.status, 200, await put.text());
  const created = await c.createTask('color-correct', { src_ids: [f.file_id] });
  const done = await pollToEnd('color-correct', created.body.result.task_id);
  assert.equal(done.status, 'success');
  const inv = await invariants();
  results['mid-upload'] = { survived: true, invariants: inv, notes: `${inv.stats.partFiles} orphaned .part file(s) left in storage (never visible)` };
  assert.deepEqual(inv.violations, []);
});

test('killed mid-task (ffmpeg running): the task is re-run after restart and charged once', async () => {
  const fileId = await c.upload('video-sr', testPhoto('street.mp4'), 'video/mp4');
  const created = await c.createTask('video-sr', { src_ids: [fileId] });
  const taskId = created.body.result.task_id;
  // Wait until ffmpeg is at work.
  let ffmpeg: number[] = [];
  for (let i = 0; i < 100 && ffmpeg.length === 0; i++) {
    await c.poll('video-sr', taskId);
    await new Promise((r) => setTimeout(r, 100));
    ffmpeg = childPids(serve.pid!, 'ffmpeg');
  }
  assert.ok(ffmpeg.length > 0, 'ffmpeg was running when the server was killed');
  await serve.kill9();
  const orphansAtKill = ffmpeg.filter(alive);
  await new Promise((r) => setTimeout(r, 2000));
  const orphans = ffmpeg.filter(alive);
  await serve.start();
  const done = await pollToEnd('video-sr', taskId);
  assert.equal(done.status, 'success', JSON.stringify(done));
  assert.equal(await chargesFor(taskId), 1);
  const inv = await invariants();
  results['mid-task'] = { survived: true, invariants: inv, notes: `ffmpeg children of the killed server alive: ${orphansAtKill.length} right after the kill, ${orphans.length} 2 s later` };
  for (const p of orphans.filter(alive)) process.kill(p, 'SIGKILL');
  assert.deepEqual(inv.violations, []);
});

for (const point of ['after-results', 'mid-charge'] as const) {
  test(`killed ${point === 'after-results' ? 'between storing the result and the charge' : 'inside the charge transaction'}: charged exactly once after restart`, async () => {
    const before = await c.api('GET', '/s2s/v1.0/client/credit');
    const balance = before.body.results.reduce((a: number, l: { amount: number }) => a + l.amount, 0);
    await restart({ DARKROOM_FAULT_AT: point });
    const fileId = await c.upload('color-correct', png, 'image/png');
    const created = await c.createTask('color-correct', { src_ids: [fileId] });
    const taskId = created.body.result.task_id;
    await serve.exited(); // the fault point kills the server
    const inv0 = await invariants();
    assert.deepEqual(inv0.violations, [], 'consistent right after the crash');
    await serve.start();
    const done = await pollToEnd('color-correct', taskId);
    assert.equal(done.status, 'success', JSON.stringify(done));
    assert.equal(await chargesFor(taskId), 1);
    const after = await c.api('GET', '/s2s/v1.0/client/credit');
    assert.equal(after.body.results.reduce((a: number, l: { amount: number }) => a + l.amount, 0), balance - 1);
    const inv = await invariants();
    results[point] = { survived: true, invariants: inv };
    assert.deepEqual(inv.violations, []);
  });
}

test('a task interrupted by an outage longer than the 10-s polling rule still finishes once its client polls again', async () => {
  const fileId = await c.upload('video-sr', testPhoto('street.mp4'), 'video/mp4');
  const taskId = (await c.createTask('video-sr', { src_ids: [fileId] })).body.result.task_id;
  await c.poll('video-sr', taskId);
  await serve.kill9();
  // The client cannot poll while the server is down.
  await new Promise((r) => setTimeout(r, 11_000));
  await serve.start();
  const done = await pollToEnd('video-sr', taskId);
  assert.equal(done.status, 'success', JSON.stringify(done));
  assert.equal(await chargesFor(taskId), 1);
  const inv = await invariants();
  results['long-outage'] = { survived: true, invariants: inv, notes: 'server down 11 s with the task running' };
  assert.deepEqual(inv.violations, []);
});

test('a task that kills the server every time fails after 3 attempts instead of crash-looping', async () => {
  const fileId = await c.upload('color-correct', png, 'image/png');
  await serve.stop();
  await serve.start({ DARKROOM_FAULT_AT: 'after-results' });
  const created = await c.createTask('color-correct', { src_ids: [fileId] });
  const taskId = created.body.result.task_id;
  await serve.exited();
  let starts = 0;
  let done: any;
  while (starts < 6) {
    starts++;
    try {
      await serve.start({ DARKROOM_FAULT_AT: 'after-results' });
    } catch {
      continue; // died again before it answered
    }
    done = await pollToEnd('color-correct', taskId, 20_000);
    if (done) break;
    await serve.exited();
  }
  assert.ok(done, `the server was still crash-looping after ${starts} restarts`);
  assert.equal(done.status, 'error');
  assert.equal(done.error, 'unknown_internal_error');
  assert.equal(await chargesFor(taskId), 0);
  assert.equal((await fetch(`${serve.baseUrl}/healthz`)).status, 200);
  const inv = await invariants();
  results['crash-loop'] = { survived: true, invariants: inv, notes: `${starts} restart(s) until the task was failed` };
  assert.deepEqual(inv.violations, []);
  // Back to a normal server for whatever follows.
  await serve.stop();
  await serve.start();
});
