import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

test('cancelling a pool call mid onnxruntime run waits for the run to end instead of aborting the process', () => {
  // Before the guard in thread-entry.ts, Piscina terminated the thread inside the run: SIGABRT, exit 134.
  const script = fileURLToPath(new URL('./fixtures/cancel-mid-run.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.signal, null, `the process died by ${r.signal}: ${r.stderr.slice(-500)}`);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.equal(seen.stageAtCancel, 1, 'cancelled while the session run was in flight');
  assert.equal(seen.outcome, 'TaskAbortedError', 'the caller sees the cancellation');
  assert.equal(seen.stageAfterCancel, 2, 'the cancelled call returned only after the run had ended');
  assert.equal(seen.again, seen.warm, 'the pool runs the model again after the cancellation');
});
