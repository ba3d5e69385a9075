/**
 * Air-gapped hosts: `models pull --recommended --to DIR` on a connected machine (a local mirror here)
 * writes a folder that another host uses as its models directory as it is, checked by `models check`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { LicenceNotAcceptedError, pullModel } from '../../../src/engines/models/index.js';
import { findModel, modelSpec } from '../../../src/engines/models/index.js';
import { tinyMeanFillLama, tinySharpSr } from './tiny-models.js';
import { serveFiles, type FileHost } from '../../helpers/file-host.js';

const cli = path.resolve(import.meta.dirname, '../../../src/cli/main.ts');
const run = (args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, ...env } }).catch((e: { code: number; stdout: string; stderr: string }) => e);

describe('models for an offline host', () => {
  let host: FileHost;
  let url: string;
  const files = new Map<string, Buffer>([
    // Carve's export answers 0..255, as the catalog declares for `lama`.
    ['/lama_fp32.onnx', tinyMeanFillLama(255)],
    ['/Real-ESRGAN-General-x4v3.onnx', tinySharpSr(4, 128)],
  ]);
  before(async () => {
    host = await serveFiles(files);
    url = host.url;
  });
  after(() => host.close());

  test('pull --to DIR writes a folder that works as another host\'s models directory', async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'darkroom-offline-'));
    const dir = path.join(scratch, 'carry');
    const r = await run(['models', 'pull', 'lama', 'realesr-general-x4v3', '--to', dir, '--base-url', url], { DARKROOM_DATA_DIR: path.join(scratch, 'data') });
    assert.equal((r as { code?: number }).code ?? 0, 0, r.stderr);
    assert.equal(existsSync(path.join(scratch, 'data', 'models', 'lama')), false, 'nothing went to the configured models dir');
    assert.match(readFileSync(path.join(dir, 'lama', 'SHA256SUMS'), 'utf8'), /^[0-9a-f]{64} {2}lama_fp32\.onnx$/m);
    // The "other host": a copy of the folder, used as it is.
    const elsewhere = path.join(scratch, 'elsewhere');
    cpSync(dir, elsewhere, { recursive: true });
    assert.ok(findModel(modelSpec('lama'), elsewhere).resolved);
    const check = await run(['models', 'check'], { DARKROOM_MODELS_DIR: elsewhere, DARKROOM_DATA_DIR: path.join(scratch, 'data') });
    assert.equal((check as { code?: number }).code ?? 0, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /ok\s+lama: fill is/);
    assert.match(check.stdout, /ok\s+realesr-general-x4v3: PSNR .*fixed 128² input/);
  });

  test('GFPGAN is never fetched without --accept-licence, and the refusal states its licence', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-gfpgan-'));
    await assert.rejects(pullModel('gfpgan-1.4', { modelsDir: dir, env: {} }), (e: Error) => {
      assert.ok(e instanceof LicenceNotAcceptedError);
      assert.match(e.message, /StyleGAN2/);
      assert.match(e.message, /--accept-licence/);
      return true;
    });
    assert.equal(existsSync(path.join(dir, 'gfpgan-1.4')), false);
  });
});
