import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import type { EngineJob } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { checkParams, ParamError } from '../../../src/features/check.js';
import type { OutPaintParams } from '../../../src/features/params.js';
import { createImageExtenderEngine } from '../../../src/engines/pixel/image-extender.js';
import { makeCtx, makeDeps, regionStats, rgbOf, saveArtifact, testFile } from './helpers.js';

// chelsea.png is 451x300.
const SRC = 'chelsea.png';

/** A job as the task service hands it over: params through the feature contract. */
function job(params: Record<string, unknown>): EngineJob {
  return { taskId: 't', feature: 'out-paint', files: { src_ids: [testFile(SRC)] }, params: checkParams('out-paint', params, { files: { src_ids: 1 } }), outputExt: 'png' };
}

const BASE: OutPaintParams = {
  output_width: 560, output_height: 380,
  input_x: 60, input_y: 40, input_width: 451, input_height: 300,
  crop_input_x: 0, crop_input_y: 0, crop_input_width: 451, crop_input_height: 300,
};

type Img = { data: Buffer; width: number; height: number };
const px = (img: Img, x: number, y: number, c: number) => img.data[(y * img.width + x) * 3 + c];

/** Mean absolute step between two adjacent columns (or rows), over a span. */
function step(img: Img, axis: 'x' | 'y', at: number, from: number, to: number): number {
  let s = 0, n = 0;
  for (let k = from; k < to; k++) {
    for (let c = 0; c < 3; c++) {
      s += axis === 'x' ? Math.abs(px(img, at, k, c) - px(img, at - 1, k, c)) : Math.abs(px(img, k, at, c) - px(img, k, at - 1, c));
      n++;
    }
  }
  return s / n;
}

describe('image extender', () => {
  const deps = makeDeps();
  const engine = createImageExtenderEngine(deps);
  after(async () => {
    await deps.pool.destroy();
  });

  it('places the input pixel-exact where the params say and fills the rest without seams', async () => {
    const out = await engine.run(job({ ...BASE }), makeCtx());
    saveArtifact('out-paint-chelsea.png', out[0].data);
    const res = await rgbOf(out[0].data);
    const src = await rgbOf(testFile(SRC).data);
    assert.equal(res.width, 560);
    assert.equal(res.height, 380);
    let diff = 0;
    for (let y = 0; y < 300; y++) for (let x = 0; x < 451; x++) for (let c = 0; c < 3; c++) if (px(res, x + 60, y + 40, c) !== px(src, x, y, c)) diff++;
    assert.equal(diff, 0, 'input rectangle is bit-exact');

    // Seams: the step across each edge of the placed input is like the steps just inside it.
    const edges: [string, number, number, 'x' | 'y', number, number][] = [
      ['left', 60, 66, 'x', 40, 340], ['right', 511, 505, 'x', 40, 340], ['top', 40, 46, 'y', 60, 511], ['bottom', 340, 334, 'y', 60, 511],
    ];
    for (const [name, edge, inside, axis, from, to] of edges) {
      const across = step(res, axis, edge, from, to);
      const within = step(res, axis, inside, from, to);
      assert.ok(across < within * 2 + 4, `${name} edge: step ${across.toFixed(1)} vs ${within.toFixed(1)} inside`);
    }
    // The fill has texture and colours of the photo, not a flat colour.
    const fill = regionStats(res, (x, y) => x < 50 || y < 30 || x >= 521 || y >= 350);
    const photo = regionStats(src, () => true);
    for (let c = 0; c < 3; c++) {
      assert.ok(fill.std[c] > photo.std[c] * 0.25, `fill has texture (std ${fill.std[c].toFixed(1)})`);
      assert.ok(Math.abs(fill.mean[c] - photo.mean[c]) < 45, `fill colours come from the photo (${fill.mean[c].toFixed(0)} vs ${photo.mean[c].toFixed(0)})`);
    }
  });

  it('leaves no frame: the step across the input border is like the photo\'s own step there', async () => {
    // The center 70 % of each photo extended back to its full size: the original is the truth.
    for (const name of ['astronaut.png', 'fruits.jpg']) {
      const { data, info } = await sharp(testFile(name).data).removeAlpha().resize({ width: 360 }).raw().toBuffer({ resolveWithObject: true });
      const truth: Img = { data, width: info.width, height: info.height };
      const x0 = Math.round(truth.width * 0.15), y0 = Math.round(truth.height * 0.15);
      const w = Math.round(truth.width * 0.7), h = Math.round(truth.height * 0.7);
      const crop = await sharp(data, { raw: { width: truth.width, height: truth.height, channels: 3 } }).extract({ left: x0, top: y0, width: w, height: h }).png().toBuffer();
      const params = { output_width: truth.width, output_height: truth.height, input_x: x0, input_y: y0, input_width: w, input_height: h,
        crop_input_x: 0, crop_input_y: 0, crop_input_width: w, crop_input_height: h };
      const out = await engine.run({ ...job(params), files: { src_ids: [{ ...testFile(name), data: crop, fileName: 'crop.png', contentType: 'image/png' }] } }, makeCtx());
      saveArtifact(`out-paint-seam-${name}.png`, out[0].data);
      const res = await rgbOf(out[0].data);
      // Mean absolute step between ring k around the input (0 = its outermost row/column) and ring k + 1,
      // all four sides. A frame is one large step wherever the hand-over to the fill puts it, so the
      // largest over the first 8 rings is compared with the original's largest there.
      const ring = (img: Img, k: number) => (step(img, 'x', x0 - k, y0, y0 + h) + step(img, 'x', x0 + w + k, y0, y0 + h) + step(img, 'y', y0 - k, x0, x0 + w) + step(img, 'y', y0 + h + k, x0, x0 + w)) / 4;
      const largest = (img: Img) => Math.max(...Array.from({ length: 8 }, (_, k) => ring(img, k)));
      const ratio = largest(res) / largest(truth);
      assert.ok(ratio <= 1.3, `${name}: largest step within 8 px of the border ${ratio.toFixed(2)}x the original's`);
    }
  });

  it('crops, then scales the crop to input_width x input_height', async () => {
    const g = { ...BASE, output_width: 300, output_height: 260, input_x: 10, input_y: 20, input_width: 200, input_height: 150,
      crop_input_x: 100, crop_input_y: 50, crop_input_width: 300, crop_input_height: 200 };
    const out = await engine.run(job(g), makeCtx());
    saveArtifact('out-paint-chelsea-crop.png', out[0].data);
    const res = await rgbOf(out[0].data);
    assert.equal(res.width, 300);
    assert.equal(res.height, 260);
    const expected = await rgbOf(await sharp(testFile(SRC).data).extract({ left: 100, top: 50, width: 300, height: 200 })
      .resize(200, 150, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer());
    let diff = 0;
    for (let y = 0; y < 150; y++) for (let x = 0; x < 200; x++) for (let c = 0; c < 3; c++) if (px(res, x + 10, y + 20, c) !== px(expected, x, y, c)) diff++;
    assert.equal(diff, 0);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ...(Object.keys(BASE) as (keyof OutPaintParams & string)[]).map((k): [string, Record<string, unknown>, string] => {
      const p: Record<string, unknown> = { ...BASE };
      delete p[k];
      return [`missing ${k}`, p, k];
    }),
    ['output_width 0', { ...BASE, output_width: 0 }, 'output_width'],
    ['output_height 4097', { ...BASE, output_height: 4097 }, 'output_height'],
    ['input_x negative', { ...BASE, input_x: -1 }, 'input_x'],
    ['input_y above 4096', { ...BASE, input_y: 4097 }, 'input_y'],
    ['input_width 0', { ...BASE, input_width: 0 }, 'input_width'],
    ['input_height fractional', { ...BASE, input_height: 299.5 }, 'input_height'],
    ['crop_input_x not a number', { ...BASE, crop_input_x: 'left' }, 'crop_input_x'],
    ['crop_input_y negative', { ...BASE, crop_input_y: -5 }, 'crop_input_y'],
    ['crop_input_width 0', { ...BASE, crop_input_width: 0 }, 'crop_input_width'],
    ['crop_input_height 5000', { ...BASE, crop_input_height: 5000 }, 'crop_input_height'],
    ['input sticks out on the right', { ...BASE, input_x: 120 }, 'input_width'],
    ['input sticks out at the bottom', { ...BASE, input_y: 81 }, 'input_height'],
    ['output not larger than input', { ...BASE, output_width: 451, output_height: 300, input_x: 0, input_y: 0 }, 'output_width'],
  ];
  for (const [name, params, field] of bad) {
    it(`the contract refuses ${name}, naming ${field}`, () => {
      assert.throws(() => job(params), (e: ParamError) => {
        assert.ok(e instanceof ParamError);
        assert.equal(e.field, field);
        assert.ok(e.message.startsWith(field), e.message);
        return true;
      });
    });
  }

  // The crop against the source needs the decoded photo: the engine checks it.
  const outside: [string, Record<string, unknown>, string][] = [
    ['crop wider than the source', { ...BASE, crop_input_x: 1 }, 'crop_input_width'],
    ['crop taller than the source', { ...BASE, crop_input_y: 10 }, 'crop_input_height'],
  ];
  for (const [name, params, field] of outside) {
    it(`rejects ${name} with invalid_parameter naming ${field}`, async () => {
      await assert.rejects(engine.run(job(params), makeCtx()), (e: EngineError) => {
        assert.equal(e.code, 'invalid_parameter');
        assert.ok(e.message.startsWith(field), e.message);
        return true;
      });
    });
  }

  it('stops when the task is aborted mid-fill', async () => {
    const ac = new AbortController();
    const big = { ...BASE, output_width: 2400, output_height: 1600, input_x: 900, input_y: 600 };
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(engine.run(job(big), makeCtx([], ac.signal)), (e: Error) => e.name === 'TaskAbortedError');
    // The pool is still usable afterwards.
    const out = await engine.run(job({ ...BASE }), makeCtx());
    assert.equal((await rgbOf(out[0].data)).width, 560);
  });

  it('accepts numeric strings', async () => {
    const p = Object.fromEntries(Object.entries({ ...BASE, output_width: 470, output_height: 310, input_x: 10, input_y: 5 }).map(([k, v]) => [k, String(v)]));
    const out = await engine.run(job(p), makeCtx());
    const res = await rgbOf(out[0].data);
    assert.equal(res.width, 470);
  });
});
