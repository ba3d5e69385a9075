import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EngineDeps } from '../../../src/engines/engine.js';
import { isEngineError } from '../../../src/engines/errors.js';
import { createBgBlurEngine } from '../../../src/engines/neural/bg-blur.js';
import { createBgReplaceEngine } from '../../../src/engines/neural/bg-replace.js';
import { createSodEngine } from '../../../src/engines/neural/sod.js';
import { ParamError } from '../../../src/features/check.js';
import { ctx, gradientEnergy, job, photo, rawOf, saveArtifact, testDeps } from './helpers.js';

interface Box { x: number; y: number; w: number; h: number }
/** Hand-made regions of astronaut.png (512x512): her face and suit, and two background patches. */
const SUBJECT: Box[] = [{ x: 180, y: 40, w: 100, h: 90 }, { x: 80, y: 260, w: 200, h: 200 }];
const BACKGROUND: Box[] = [{ x: 0, y: 0, w: 120, h: 160 }, { x: 400, y: 0, w: 112, h: 200 }];

function values(plane: (i: number) => number, width: number, b: Box): number[] {
  const out: number[] = [];
  for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) out.push(plane(y * width + x));
  return out;
}
const share = (v: number[], pred: (x: number) => boolean) => v.filter(pred).length / v.length;

function crop(rgb: Buffer, width: number, channels: number, b: Box): Buffer {
  const out = Buffer.alloc(b.w * b.h * 3);
  for (let y = 0; y < b.h; y++) for (let x = 0; x < b.w; x++) for (let c = 0; c < 3; c++) out[(y * b.w + x) * 3 + c] = rgb[((b.y + y) * width + b.x + x) * channels + c];
  return out;
}

describe('matting features (ISNet on onnxruntime in the pool)', () => {
  let deps: EngineDeps;
  before(() => {
    deps = testDeps({ nsfw: { enabled: false, threshold: 0.7 } });
  });
  after(async () => {
    await deps.pool.destroy();
  });

  test('sod cuts the astronaut out: opaque subject, transparent background, soft edges, full resolution', async () => {
    const [out] = await createSodEngine(deps).run(job('sod', photo('astronaut.png')), ctx());
    saveArtifact('sod-astronaut.png', out.data);
    assert.equal(out.contentType, 'image/png');
    const r = await rawOf(out.data);
    assert.deepEqual([r.width, r.height, r.channels], [512, 512, 4]);
    const alpha = (i: number) => r.data[i * 4 + 3];
    for (const b of SUBJECT) {
      const v = values(alpha, 512, b);
      assert.ok(share(v, (a) => a > 200) > 0.95, `subject box ${JSON.stringify(b)}: ${share(v, (a) => a > 200)}`);
    }
    for (const b of BACKGROUND) {
      const v = values(alpha, 512, b);
      assert.ok(share(v, (a) => a < 30) > 0.95, `background box ${JSON.stringify(b)}: ${share(v, (a) => a < 30)}`);
    }
    const all = values(alpha, 512, { x: 0, y: 0, w: 512, h: 512 });
    const soft = share(all, (a) => a > 16 && a < 239);
    assert.ok(soft > 0.002 && soft < 0.1, `soft edge share ${soft}`);
    // The colour of kept pixels is the photo's own.
    const src = await rawOf(photo('astronaut.png'));
    const p = (300 * 512 + 150);
    assert.deepEqual([...r.data.subarray(p * 4, p * 4 + 3)], [...src.data.subarray(p * src.channels, p * src.channels + 3)]);
  });

  test('sod accepts HEIC input', async () => {
    const [out] = await createSodEngine(deps).run(job('sod', photo('astronaut.heic')), ctx());
    const r = await rawOf(out.data);
    assert.deepEqual([r.width, r.height, r.channels], [400, 400, 4]);
    // Same framing as the PNG, scaled: the face is kept and the top-left flag is not.
    assert.ok(r.data[(80 * 400 + 190) * 4 + 3] > 200);
    assert.ok(r.data[(40 * 400 + 30) * 4 + 3] < 30);
  });

  test('bg-replace returns the grayscale mask at input size, and composites over background_color', async () => {
    const outs = await createBgReplaceEngine(deps).run(job('bg-replace', photo('astronaut.png'), { background_color: '#2060C0' }), ctx());
    assert.equal(outs.length, 2);
    const mask = await rawOf(outs[0].data);
    assert.deepEqual([mask.width, mask.height, mask.channels, outs[0].ext], [512, 512, 1, 'png']);
    assert.ok(share(values((i) => mask.data[i], 512, SUBJECT[0]), (a) => a > 200) > 0.95);
    assert.ok(share(values((i) => mask.data[i], 512, BACKGROUND[0]), (a) => a < 30) > 0.95);
    saveArtifact('bg-replace-astronaut.jpg', outs[1].data);
    const comp = await rawOf(outs[1].data);
    assert.deepEqual([comp.width, comp.height], [512, 512]);
    const bg = (20 * 512 + 20) * comp.channels;
    assert.ok(Math.abs(comp.data[bg] - 0x20) < 12 && Math.abs(comp.data[bg + 1] - 0x60) < 12 && Math.abs(comp.data[bg + 2] - 0xc0) < 12);
    const only = await createBgReplaceEngine(deps).run(job('bg-replace', photo('astronaut.png')), ctx());
    assert.equal(only.length, 1);
  });

  test('bg-blur returns the mask, and with blur_strength blurs only the background', async () => {
    const src = photo('messi5.jpg');
    const outs = await createBgBlurEngine(deps).run(job('bg-blur', src, { blur_strength: 60 }), ctx());
    const mask = await rawOf(outs[0].data);
    assert.deepEqual([mask.width, mask.height, mask.channels], [548, 342, 1]);
    saveArtifact('bg-blur-messi.jpg', outs[1].data);
    const comp = await rawOf(outs[1].data);
    const orig = await rawOf(src);
    assert.deepEqual([comp.width, comp.height], [548, 342]);
    // The background (pixels the mask calls background) lost detail; the subject kept it.
    let bgBox: Box | undefined;
    for (let y = 0; y + 60 <= 342 && !bgBox; y += 20) {
      for (let x = 0; x + 60 <= 548 && !bgBox; x += 20) {
        const b = { x, y, w: 60, h: 60 };
        if (values((i) => mask.data[i], 548, b).every((a) => a === 0)) bgBox = b;
      }
    }
    assert.ok(bgBox, 'the mask has a background area');
    const gOrig = gradientEnergy(crop(orig.data, 548, orig.channels, bgBox), 60, 60, 3);
    const gComp = gradientEnergy(crop(comp.data, 548, comp.channels, bgBox), 60, 60, 3);
    assert.ok(gComp < gOrig * 0.5, `background gradient ${gComp} vs ${gOrig}`);
  });

  test('the contract refuses invalid extension params, naming the field', () => {
    const refused = (field: string) => (e: unknown) => e instanceof ParamError && e.field === field;
    for (const background_color of ['blue', '#12345', 123, '#GGGGGG']) {
      assert.throws(() => job('bg-replace', photo('coffee.png'), { background_color }), refused('background_color'), String(background_color));
    }
    for (const blur_strength of [0, 101, 'x', 2.5, -3]) {
      assert.throws(() => job('bg-blur', photo('coffee.png'), { blur_strength }), refused('blur_strength'), String(blur_strength));
    }
  });

  test('a non-image input is error_decode_image', async () => {
    await assert.rejects(createSodEngine(deps).run(job('sod', Buffer.from('hello, not a photo')), ctx()), (e) => isEngineError(e) && e.code === 'error_decode_image');
  });
});
