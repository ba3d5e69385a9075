import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import type { EngineDeps, EngineJob } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { createObjectRemovalEngine, maskGrowth } from '../../../src/engines/pixel/object-removal.js';
import { fileOf, makeCtx, makeDeps, regionStats, rgbOf, saveArtifact, testFile } from './helpers.js';
import { tinyInpaintModel } from '../../helpers/tiny-onnx.js';
import { installLocalModel } from '../models/install.js';

// The ball in messi5.jpg (548x342): centre and radius measured on the photo.
const BALL = { x: 362, y: 312, r: 26 };
const MASK_R = 30;
const W = 548, H = 342;

async function ballMask(r = MASK_R): Promise<Buffer> {
  const px = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - BALL.x) ** 2 + (y - BALL.y) ** 2 <= r ** 2) px[y * W + x] = 255;
  return sharp(px, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
}

function job(mask: Buffer, outputExt: 'png' | 'jpg' = 'png'): EngineJob {
  return { taskId: 't', feature: 'obj-removal', files: { src_ids: [testFile('messi5.jpg')], mask_ids: [fileOf(mask, 'mask.png', 'image/png')] }, params: {}, outputExt };
}

const isBallYellow = (r: number, g: number, b: number) => r > 140 && g > 140 && b < 110;

describe('object removal (classical)', () => {
  const deps: EngineDeps = makeDeps();
  const engine = createObjectRemovalEngine(deps);
  after(() => deps.pool.destroy());

  it('removes the ball: the filled area looks like the grass around it, and nothing else changes', async () => {
    const out = await engine.run(job(await ballMask()), makeCtx());
    assert.equal(out.length, 1);
    assert.equal(out[0].contentType, 'image/png');
    saveArtifact('obj-removal-messi.png', out[0].data);
    const res = await rgbOf(out[0].data);
    const src = await rgbOf(testFile('messi5.jpg').data);
    assert.equal(res.width, W);
    assert.equal(res.height, H);

    const d2 = (x: number, y: number) => (x - BALL.x) ** 2 + (y - BALL.y) ** 2;
    const inBall = (x: number, y: number) => d2(x, y) <= BALL.r ** 2;
    // Grass below and beside the ball (the player's kit is above it).
    const around = (x: number, y: number) => d2(x, y) > 40 ** 2 && d2(x, y) <= 60 ** 2 && y >= BALL.y - 10;
    const before = regionStats(src, inBall);
    const filled = regionStats(res, inBall);
    const grass = regionStats(res, around);
    let yellow = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (!inBall(x, y)) continue;
      const o = (y * W + x) * 3;
      if (isBallYellow(res.data[o], res.data[o + 1], res.data[o + 2])) yellow++;
    }
    let yellowBefore = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (inBall(x, y) && isBallYellow(src.data[o], src.data[o + 1], src.data[o + 2])) yellowBefore++;
    }
    assert.ok(yellowBefore > filled.n * 0.3, `the test region really covers the ball (${yellowBefore} yellow pixels)`);
    assert.ok(yellow < filled.n * 0.01, `${yellow} ball-yellow pixels left of ${filled.n}`);
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(filled.mean[c] - grass.mean[c]) < 20, `channel ${c}: filled mean ${filled.mean[c].toFixed(1)} vs grass ${grass.mean[c].toFixed(1)} (before ${before.mean[c].toFixed(1)})`);
      assert.ok(filled.std[c] < grass.std[c] * 2 + 8, `channel ${c}: filled area is not a blob of new structure (std ${filled.std[c].toFixed(1)} vs ${grass.std[c].toFixed(1)})`);
    }
    const grow = maskGrowth(W, H);
    let changed = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (d2(x, y) <= (MASK_R + grow + 1.5) ** 2) continue;
      const o = (y * W + x) * 3;
      if (res.data[o] !== src.data[o] || res.data[o + 1] !== src.data[o + 1] || res.data[o + 2] !== src.data[o + 2]) changed++;
    }
    assert.equal(changed, 0, 'pixels outside the grown mask are unchanged');
  });

  it('a mask 2 px tighter than the ball leaves no yellow rim: the growth ring replaces the ball edge entirely', async () => {
    const out = await engine.run(job(await ballMask(BALL.r - 2)), makeCtx());
    saveArtifact('obj-removal-messi-tight-mask.png', out[0].data);
    const res = await rgbOf(out[0].data);
    const src = await rgbOf(testFile('messi5.jpg').data);
    // Yellowish: clearly more red and green than blue (the blended rim of the ball too, not the light yellow-green grass).
    const yellowish = (d: Buffer, o: number) => d[o] > 135 && d[o + 1] > 140 && d[o] + d[o + 1] - 2 * d[o + 2] > 150;
    let before = 0, after = 0, n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const d = Math.hypot(x - BALL.x, y - BALL.y);
      if (d <= BALL.r - 5 || d > BALL.r) continue;
      const o = (y * W + x) * 3;
      n++;
      if (yellowish(src.data, o)) before++;
      if (yellowish(res.data, o)) after++;
    }
    assert.ok(before > 0.2 * n, `the band really covers the ball's rim (${before} of ${n} yellowish)`);
    assert.ok(after < 0.02 * n, `${after} of ${n} rim pixels still yellowish`);
  });

  it('rejects a mask of another size with invalid_parameter', async () => {
    const small = await sharp(await ballMask()).resize(274, 171).png().toBuffer();
    await assert.rejects(engine.run(job(small), makeCtx()), (e: EngineError) => e.code === 'invalid_parameter' && /same size/.test(e.message));
  });

  it('rejects a colour photo as mask with invalid_parameter', async () => {
    const colour = testFile('messi5.jpg').data;
    await assert.rejects(engine.run(job(colour), makeCtx()), (e: EngineError) => e.code === 'invalid_parameter' && /grayscale/.test(e.message));
  });

  it('rejects an undecodable mask with error_decode_mask', async () => {
    await assert.rejects(engine.run(job(Buffer.from('definitely not a png')), makeCtx()), (e: EngineError) => e.code === 'error_decode_mask');
  });

  it('rejects an empty mask with invalid_parameter', async () => {
    const empty = await sharp({ create: { width: W, height: H, channels: 3, background: '#000' } }).png().toBuffer();
    await assert.rejects(engine.run(job(empty), makeCtx()), (e: EngineError) => e.code === 'invalid_parameter' && /empty/.test(e.message));
  });
});

describe('object removal with operator ONNX weights (LaMa signature)', () => {
  const deps = makeDeps();
  const modelsDir = deps.config.engines.modelsDir;
  mkdirSync(modelsDir, { recursive: true });
  // Bright magenta: no such colour anywhere near the ball, so its presence proves the model ran.
  installLocalModel(modelsDir, { name: 'test-lama', role: 'inpaint', signature: 'lama', features: ['obj-removal'], file: 'model.onnx', bytes: tinyInpaintModel([1, 0, 1]) });
  const engine = createObjectRemovalEngine(deps);
  after(() => deps.pool.destroy());

  it('reports the model and pastes its output back at full resolution inside the mask only', async () => {
    assert.match(engine.availability().implementation ?? '', /ONNX/);
    const out = await engine.run(job(await ballMask()), makeCtx());
    saveArtifact('obj-removal-messi-onnx.png', out[0].data);
    const res = await rgbOf(out[0].data);
    const src = await rgbOf(testFile('messi5.jpg').data);
    assert.equal(res.width, W);
    const inner = regionStats(res, (x, y) => (x - BALL.x) ** 2 + (y - BALL.y) ** 2 <= (MASK_R - 3) ** 2);
    assert.ok(inner.mean[0] > 230 && inner.mean[1] < 25 && inner.mean[2] > 230, `hole painted by the model: ${inner.mean.map((v) => v.toFixed(0))}`);
    const grow = maskGrowth(W, H);
    let changed = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if ((x - BALL.x) ** 2 + (y - BALL.y) ** 2 <= (MASK_R + grow + 1.5) ** 2) continue;
      const o = (y * W + x) * 3;
      if (res.data[o] !== src.data[o] || res.data[o + 1] !== src.data[o + 1] || res.data[o + 2] !== src.data[o + 2]) changed++;
    }
    assert.equal(changed, 0);
  });
});
