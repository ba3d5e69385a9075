import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { MODELS, createOnnxSession, findModel, listModels, modelsListRows, pullModel, requireModel, type ModelSpec } from '../../../src/engines/models/index.js';
import { tinyAddModel } from '../../helpers/tiny-onnx.js';
import { serveFiles, type FileHost } from '../../helpers/file-host.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const onnxBytes = tinyAddModel(4);
const tinySpec: ModelSpec = {
  name: 'tiny-add',
  role: 'super-resolution',
  checksum: 'published',
  features: ['enhance'],
  implementation: 'test model: Y = X + X',
  runtime: 'onnxruntime',
  files: [{ path: 'model.onnx', sha256: sha(onnxBytes) }],
  license: 'test',
};

describe('model registry', () => {
  let modelsDir: string;
  before(() => {
    modelsDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-models-'));
  });

  test('an operator-installed ONNX model is found in the models dir, verified and run', async () => {
    assert.equal(findModel(tinySpec, modelsDir).resolved, undefined);
    assert.match(findModel(tinySpec, modelsDir).reason ?? '', /tiny-add/);
    mkdirSync(path.join(modelsDir, 'tiny-add'), { recursive: true });
    writeFileSync(path.join(modelsDir, 'tiny-add', 'model.onnx'), onnxBytes);
    const found = findModel(tinySpec, modelsDir).resolved;
    assert.equal(found?.origin, 'models-dir');
    const session = await createOnnxSession(tinySpec, modelsDir);
    const out = await session.run({ X: new ort.Tensor('float32', Float32Array.from([1, 2.5, -3, 0]), [1, 4]) });
    assert.deepEqual(Array.from(out.Y.data as Float32Array), [2, 5, -6, 0]);
  });

  test('a model file whose checksum does not match is refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-models-bad-'));
    mkdirSync(path.join(dir, 'tiny-add'));
    const tampered = Buffer.from(onnxBytes);
    tampered[tampered.length - 1] ^= 1;
    writeFileSync(path.join(dir, 'tiny-add', 'model.onnx'), tampered);
    await assert.rejects(createOnnxSession(tinySpec, dir), /checksum mismatch/);
  });

  test('the models shipped in npm packages are present and pass their checksums', async () => {
    for (const spec of MODELS.filter((m) => m.package)) {
      const model = await requireModel(spec, modelsDir);
      assert.equal(model.origin, 'package', spec.name);
    }
  });

  test('listing gives one row per feature with availability and reason', () => {
    const all = listModels(modelsDir);
    assert.equal(all.length, MODELS.length);
    assert.ok(all.filter((m) => MODELS.find((x) => x.name === m.name)?.package).every((m) => m.available));
    assert.ok(all.filter((m) => !MODELS.find((x) => x.name === m.name)?.package).every((m) => !m.available && m.state === 'missing' && m.source));
    const rows = modelsListRows(modelsDir);
    for (const f of ['enhance', 'sod', 'bg-replace', 'bg-blur', 'nsfw-guard']) {
      const row = rows.find((r) => r.feature === f && r.available);
      assert.ok(row, f);
      assert.equal(row.available, true);
      assert.ok(row.implementation.length > 0 && row.reason.length > 0);
    }
  });

  describe('pullModel', () => {
    let server: FileHost;
    let base: string;
    const served = new Map<string, Buffer>();
    before(async () => {
      server = await serveFiles(served);
      base = `${server.url}m/`;
    });
    after(() => server.close());

    test('downloads into the models dir after checking the sha256', async () => {
      served.set('/m/model.onnx', onnxBytes);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-pull-'));
      const r = await pullModel('tiny-add', { modelsDir: dir, baseUrl: base, catalog: [tinySpec] });
      assert.equal(r.downloaded, true);
      assert.deepEqual(readFileSync(path.join(dir, 'tiny-add', 'model.onnx')), onnxBytes);
      const again = await pullModel('tiny-add', { modelsDir: dir, baseUrl: base, catalog: [tinySpec] });
      assert.equal(again.downloaded, false);
    });

    test('a download with the wrong checksum leaves nothing behind', async () => {
      served.set('/m/model.onnx', Buffer.from('not a model'));
      const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-pull-bad-'));
      await assert.rejects(pullModel('tiny-add', { modelsDir: dir, baseUrl: base, catalog: [tinySpec] }), /checksum mismatch/);
      assert.equal(existsSync(path.join(dir, 'tiny-add', 'model.onnx')), false);
      assert.equal(existsSync(path.join(dir, 'tiny-add', 'model.onnx.part')), false);
      assert.equal(findModel(tinySpec, dir).resolved, undefined);
    });

    test('unknown names are refused', async () => {
      await assert.rejects(pullModel('no-such-model', { modelsDir }), /unknown model/);
    });
  });
});
