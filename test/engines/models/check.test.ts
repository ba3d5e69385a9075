/**
 * `darkroom models check` on tiny models of the real signatures: models that do their job pass, and
 * a model with a wrong convention or a useless output fails with the reason.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import type { ModelRole, ModelSignature } from '../../../src/engines/models/index.js';
import { checkModels } from '../../../src/engines/models/check.js';
import { tinyColorizeModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from './install.js';
import * as tiny from './tiny-models.js';

function dirWith(models: { name: string; role: ModelRole; signature: ModelSignature; bytes: Buffer }[]): string {
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-check-'));
  for (const m of models) installLocalModel(modelsDir, { ...m, features: [], file: 'model.onnx' });
  return modelsDir;
}

describe('darkroom models check', () => {
  test('every installed tiny model of the real signatures passes, each with what was measured', async () => {
    const dir = dirWith([
      { name: 'c-lama', role: 'inpaint', signature: 'lama', bytes: tiny.tinyMeanFillLama() },
      { name: 'c-ddcolor', role: 'colorize', signature: 'ddcolor', bytes: tiny.tinyDdcolor(30, 256) },
      { name: 'c-eccv16', role: 'colorize', signature: 'eccv16', bytes: tiny.tinyZhang() },
      { name: 'c-sr-fixed', role: 'super-resolution', signature: 'realesrgan', bytes: tiny.tinySharpSr(4, 32) },
      { name: 'c-sr', role: 'super-resolution', signature: 'realesrgan', bytes: tiny.tinySharpSr(2) },
      { name: 'c-gfpgan', role: 'face-restore', signature: 'gfpgan', bytes: tiny.tinyGfpgan() },
      { name: 'c-arcface', role: 'face-embedding', signature: 'arcface', bytes: tiny.tinyArcface() },
      { name: 'c-bisenet', role: 'face-parsing', signature: 'bisenet', bytes: tiny.tinyBisenet() },
    ]);
    const results = await checkModels(dir);
    assert.deepEqual(results.map((r) => r.name).sort(), ['c-arcface', 'c-bisenet', 'c-ddcolor', 'c-eccv16', 'c-gfpgan', 'c-lama', 'c-sr', 'c-sr-fixed']);
    for (const r of results) assert.ok(r.passed, `${r.name}: ${r.detail}`);
    assert.match(results.find((r) => r.name === 'c-sr-fixed')!.detail, /PSNR .* vs bicubic .*fixed 32² input/);
    assert.match(results.find((r) => r.name === 'c-ddcolor')!.detail, /mean chroma/);
  });

  test('a model that is wrong for its job fails, and says why', async () => {
    const dir = dirWith([
      // Paints the hole magenta: nothing like its ring.
      { name: 'bad-lama', role: 'inpaint', signature: 'lama', bytes: tiny.tinyLama([1, 0, 1]) },
      // Predicts a = b = 0: adds no colour.
      { name: 'bad-colour', role: 'colorize', signature: 'ddcolor', bytes: tinyColorizeModel([0, 0]) },
      // A nearest enlargement brightened by 0.3: far less faithful than bicubic.
      { name: 'bad-sr', role: 'super-resolution', signature: 'realesrgan', bytes: brightNearest() },
    ]);
    const results = Object.fromEntries((await checkModels(dir)).map((r) => [r.name, r]));
    assert.equal(results['bad-lama'].passed, false);
    assert.match(results['bad-lama'].detail, /far from its ring's colours/);
    assert.equal(results['bad-colour'].passed, false);
    assert.match(results['bad-colour'].detail, /adds no colour/);
    assert.equal(results['bad-sr'].passed, false);
    assert.match(results['bad-sr'].detail, /less faithful than bicubic/);
  });

  test('the CLI prints one line per model and exits 1 when one fails', async () => {
    const dir = dirWith([
      { name: 'ok-sr', role: 'super-resolution', signature: 'realesrgan', bytes: tiny.tinySharpSr(2) },
      { name: 'bad-colour', role: 'colorize', signature: 'ddcolor', bytes: tinyColorizeModel([0, 0]) },
    ]);
    const cli = path.resolve(import.meta.dirname, '../../../src/cli/main.ts');
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'models', 'check'], { env: { ...process.env, DARKROOM_MODELS_DIR: dir, DARKROOM_DATA_DIR: dir } }).catch((e: { code: number; stdout: string }) => e);
    assert.equal((r as { code?: number }).code, 1);
    assert.match(r.stdout, /ok\s+ok-sr/);
    assert.match(r.stdout, /FAILED\s+bad-colour: .*adds no colour/);
  });
});

function brightNearest(): Buffer {
  return tiny.tinyRealEsrganOffset(0.3);
}
