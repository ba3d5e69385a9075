import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { EngineDeps } from '../../../src/engines/engine.js';
import { isEngineError } from '../../../src/engines/errors.js';
import { loadImage } from '../../../src/engines/image-io.js';
import { createSodEngine } from '../../../src/engines/neural/sod.js';
import { checkNsfw } from '../../../src/engines/neural/nsfw.js';
import { feature } from '../../../src/features/table.js';
import { ctx, file, job, photo, TESTDATA, testDeps } from './helpers.js';

describe('NSFW guard (nsfwjs MobileNetV2 in the pool)', () => {
  let deps: EngineDeps;
  before(() => {
    deps = testDeps();
  });
  after(() => deps.pool.destroy());

  test('none of the test photos is flagged at the default threshold', async () => {
    const photos = readdirSync(TESTDATA).filter((n) => /\.(jpe?g|png|heic)$/i.test(n));
    assert.ok(photos.length >= 10);
    for (const name of photos) {
      const img = await loadImage(file(photo(name)), feature('sod'), { maxPixels: 50_000_000 });
      const v = await checkNsfw(deps.pool, img.image, { modelsDir: deps.config.engines.modelsDir, threshold: deps.config.engines.nsfw.threshold });
      const total = Object.values(v.scores).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 0.01, `${name}: probabilities sum to ${total}`);
      assert.equal(v.flagged, false, `${name} flagged: ${JSON.stringify(v.scores)}`);
    }
  });

  test('the gate uses the configured threshold and fails the task with error_nsfw_content_detected', async () => {
    const strict = { ...deps, config: { ...deps.config, engines: { ...deps.config.engines, nsfw: { enabled: true, threshold: 0 } } } };
    await assert.rejects(createSodEngine(strict).run(job('sod', photo('coffee.png')), ctx()), (e) => isEngineError(e) && e.code === 'error_nsfw_content_detected');
    // Disabled: the same zero threshold lets it through.
    const off = { ...deps, config: { ...deps.config, engines: { ...deps.config.engines, nsfw: { enabled: false, threshold: 0 } } } };
    const [out] = await createSodEngine(off).run(job('sod', photo('coffee.png')), ctx());
    assert.equal(out.contentType, 'image/png');
  });
});
