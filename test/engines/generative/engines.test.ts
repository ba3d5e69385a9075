import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig, type DarkroomConfig } from '../../../src/config.js';
import type { EngineFile, EngineJob, EngineRunContext, WorkerPool } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { analyzeFaces, checkFaceRules } from '../../../src/engines/face/analysis.js';
import { hairMask } from '../../../src/engines/generative/hair/engine.js';
import type { HairFeature } from '../../../src/engines/generative/hair/masks.js';
import { createFeatureEngine } from '../../../src/engines/registry.js';
import { encoderPrompt, ENCODER_PROMPT_CHARS, type GenerativeDeps } from '../../../src/engines/generative/shared.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { feature, type FeatureId } from '../../../src/features/table.js';
import { checkParams, ParamError } from '../../../src/features/check.js';
import { MAX_PROMPT_CHARS } from '../../../src/features/params.js';
import { styleOfTask } from '../../../src/tasks/task-style.js';
import { StylesCatalog } from '../../../src/styles/service.js';
import { PAINT, startFakeA1111, type FakeA1111 } from './fake-engines.js';
import { TESTDATA as TESTDATA_DIR } from '../../helpers/harness.js';

const DATA = TESTDATA_DIR;
const ART = path.resolve('artifacts/generative');
const log = pino({ level: 'silent' });
let pool: WorkerPool;
let fake: FakeA1111;
let config: DarkroomConfig;
let bare: DarkroomConfig;

before(async () => {
  mkdirSync(ART, { recursive: true });
  pool = createWorkerPool(2);
  fake = await startFakeA1111();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'darkroom-gen-'));
  config = loadConfig({ dataDir, diffusion: { a1111: [fake.url], nsfwRetries: 2 } }, {});
  bare = loadConfig({ dataDir }, {});
});
after(async () => {
  await pool.destroy();
  await fake.close();
});

const deps = (extra: Partial<GenerativeDeps> = {}): GenerativeDeps => ({ config, log, pool, ...extra });
const CATALOG = new StylesCatalog();
const engine = (id: FeatureId, d: GenerativeDeps = deps()) => createFeatureEngine(id, d);

function file(name: string, data: Buffer = readFileSync(path.join(DATA, name))): EngineFile {
  return { fileId: name, fileName: name, contentType: name.endsWith('.png') ? 'image/png' : 'image/jpeg', data };
}

function ctx(progress: number[] = []): EngineRunContext {
  return { signal: new AbortController().signal, reportProgress: (f) => progress.push(f), log };
}

/**
 * A job as the task path hands it over: params through the feature contract (throws its ParamError),
 * then the style resolved from them (a bad style throws here, before the engine).
 */
const job = (id: FeatureId, files: EngineJob['files'], params: Record<string, unknown>, outputExt?: 'jpg' | 'png'): EngineJob => {
  const counts = Object.fromEntries(Object.entries(files).map(([set, list]) => [set, list?.length ?? 0]));
  const checked = checkParams(id, params, { files: counts });
  return { taskId: 't', feature: id, files, params: checked, outputExt, style: styleOfTask(CATALOG, id, checked) };
};
const fails = (code: string, text?: RegExp) => (e: unknown) => e instanceof EngineError && e.code === code && (!text || text.test(e.message));

async function rgb(png: Buffer) {
  return sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

describe('without a diffusion backend', () => {
  it('says so in availability() and fails tasks with error_inference naming the setting', async () => {
    for (const id of ['text-to-image', 'obj-replace', 'hair-style'] as const) {
      const e = engine(id, { config: bare, log, pool });
      const a = e.availability();
      assert.equal(a.available, false);
      assert.match(a.reason ?? '', /DARKROOM_A1111_URLS.*DARKROOM_COMFYUI_URLS/);
    }
    await assert.rejects(
      engine('text-to-image', { config: bare, log, pool }).run(job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [100101] }), ctx()),
      fails('error_inference', /DARKROOM_A1111_URLS/),
    );
  });
});

describe('text-to-image', () => {
  it('generates through the backend with the style template, within the long-side limit, NSFW-checked', async () => {
    const e = engine('text-to-image');
    assert.equal(e.availability().available, true);
    assert.match(e.availability().implementation ?? '', /AUTOMATIC1111 at http:\/\/127\.0\.0\.1/);
    const before = fake.txt2img.length;
    const progress: number[] = [];
    const [out] = await e.run(job('text-to-image', {}, { prompt: 'a lighthouse at dusk', style_group_id: 1001, style_ids: [100102] }, 'png'), ctx(progress));
    const sent = fake.txt2img[before];
    assert.match(String(sent.prompt), /^a lighthouse at dusk, cinematic film still/);
    assert.match(String(sent.negative_prompt), /watermark/);
    assert.equal(sent.width, 1024);
    assert.equal(sent.height, 576);
    assert.equal(out.contentType, 'image/png');
    const meta = await sharp(out.data).metadata();
    assert.ok(Math.max(meta.width!, meta.height!) <= feature('text-to-image').limits.maxLongSide);
    assert.ok(progress.at(-1)! >= 0.9);
    const [jpg] = await e.run(job('text-to-image', {}, { prompt: 'a lighthouse', style_group_id: '1001', style_ids: ['100101'] }), ctx());
    assert.equal(jpg.ext, 'jpg');
  });

  it('validates prompt and style params', async () => {
    const e = engine('text-to-image');
    const refused = (field: string, pattern: RegExp) => (err: unknown) => err instanceof ParamError && err.field === field && pattern.test(err.message);
    assert.throws(() => job('text-to-image', {}, { style_group_id: 1001, style_ids: [100101] }), refused('prompt', /required/));
    assert.throws(() => job('text-to-image', {}, { prompt: '   ', style_group_id: 1001, style_ids: [100101] }), refused('prompt', /required/));
    assert.throws(() => job('text-to-image', {}, { prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1), style_group_id: 1001, style_ids: [100101] }), refused('prompt', /at most 5000/));
    assert.throws(() => job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [] }), refused('style_ids', /exactly 1/));
    assert.throws(() => job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1002, style_ids: [100101] }), fails('invalid_parameter', /not in style group/));
    assert.throws(() => job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [42] }), fails('invalid_parameter'));
    const unstyled: EngineJob = { taskId: 't', feature: 'text-to-image', files: {}, params: { prompt: 'a cat', style_group_id: 1001, style_ids: [100101] } };
    await assert.rejects(e.run(unstyled, ctx()), fails('invalid_parameter', /style/));
  });

  it('a prompt longer than the encoder reads is cut at a word, not refused', async () => {
    const e = engine('text-to-image');
    const words = Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ');
    const prompt = words.slice(0, MAX_PROMPT_CHARS);
    const before = fake.txt2img.length;
    const [out] = await e.run(job('text-to-image', {}, { prompt, style_group_id: 1001, style_ids: [100101] }), ctx());
    assert.ok(out.data.length > 0);
    const sent = String(fake.txt2img[before].prompt);
    assert.ok(sent.includes('word0 word1 word2'), 'the start of the prompt reaches the backend');
    assert.ok(!sent.includes('word899') && !sent.includes(prompt), 'the tail past the encoder budget is cut');
    const kept = encoderPrompt(prompt);
    assert.ok(kept.length <= ENCODER_PROMPT_CHARS && kept.length > ENCODER_PROMPT_CHARS * 0.8, `kept ${kept.length} characters`);
    assert.ok(sent.includes(kept) && / word\d+$/.test(kept), 'cut at a word boundary');
  });

  it('retries a flagged result with a new seed, then gives up with exceed_nsfw_retry_limits', async () => {
    let checks = 0;
    const always = engine('text-to-image', deps({ nsfw: async () => (checks++, true) }));
    const before = fake.txt2img.length;
    await assert.rejects(always.run(job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [100101] }), ctx()), fails('exceed_nsfw_retry_limits'));
    const seeds = fake.txt2img.slice(before).map((b) => b.seed);
    assert.equal(seeds.length, 3, '1 + nsfwRetries attempts');
    assert.equal(new Set(seeds).size, 3, 'each attempt has a new seed');
    assert.equal(checks, 3);

    let n = 0;
    const once = engine('text-to-image', deps({ nsfw: async () => n++ === 0 }));
    const mid = fake.txt2img.length;
    const [out] = await once.run(job('text-to-image', {}, { prompt: 'a cat', style_group_id: 1001, style_ids: [100101] }), ctx());
    assert.ok(out.data.length > 0);
    assert.equal(fake.txt2img.length - mid, 2);
  });
});

describe('obj-replace', () => {
  const W = 512, H = 512;
  async function rectMask(x0: number, y0: number, x1: number, y1: number, w = W, h = H): Promise<Buffer> {
    const m = Buffer.alloc(w * h);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 255;
    return sharp(m, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
  }

  it('repaints only inside the mask and leaves every other pixel untouched', async () => {
    const mask = await rectMask(300, 340, 470, 500);
    const src = readFileSync(path.join(DATA, 'astronaut.png'));
    const before = fake.img2img.length;
    const [out] = await engine('obj-replace', deps({ nsfw: null })).run(job('obj-replace', { src_ids: [file('astronaut.png', src)], msk_ids: [file('mask.png', mask)] }, { prompt: 'a bouquet of sunflowers' }), ctx());
    assert.equal(out.ext, 'png', 'a PNG source stays PNG');
    const sent = fake.img2img[before];
    assert.equal(sent.prompt, 'a bouquet of sunflowers');
    const a = await rgb(src);
    const b = await rgb(out.data);
    assert.equal(b.info.width, W);
    let outsideChanged = 0, insidePainted = 0, inside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const inMask = x >= 300 && x < 470 && y >= 340 && y < 500;
        if (!inMask) {
          if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) outsideChanged++;
        } else if (x >= 315 && x < 455 && y >= 355 && y < 485) {
          inside++;
          if (b.data[i] === PAINT[0] && b.data[i + 1] === PAINT[1] && b.data[i + 2] === PAINT[2]) insidePainted++;
        }
      }
    }
    assert.equal(outsideChanged, 0, 'no pixel outside the mask changed');
    assert.ok(insidePainted / inside > 0.95, `inside the mask is the engine's paint (${insidePainted}/${inside})`);
    await sharp(out.data).toFile(path.join(ART, 'obj-replace-astronaut.png'));
  });

  it('rejects a mask of another size and an empty mask', async () => {
    const e = engine('obj-replace', deps({ nsfw: null }));
    const src = file('astronaut.png');
    await assert.rejects(e.run(job('obj-replace', { src_ids: [src], msk_ids: [file('m.png', await rectMask(0, 0, 10, 10, 256, 256))] }, { prompt: 'x' }), ctx()), fails('invalid_parameter', /mask is 256x256/));
    await assert.rejects(e.run(job('obj-replace', { src_ids: [src], msk_ids: [file('m.png', await rectMask(0, 0, 0, 0))] }, { prompt: 'x' }), ctx()), fails('invalid_parameter', /empty/));
    await assert.rejects(e.run(job('obj-replace', { src_ids: [src] }, { prompt: 'x' }), ctx()), fails('error_download_mask'));
  });
});

describe('hair features', () => {
  const FEATURES: HairFeature[] = ['hair-style', 'hair-ext', 'hair-bang', 'hair-vol'];
  const params: Record<HairFeature, Record<string, unknown>> = {
    'hair-style': { style_group_id: 2001, style_ids: [200102] },
    'hair-ext': { style_group_id: 3001, style_ids: [300102] },
    'hair-bang': { style_group_id: 4001, style_ids: [400101] },
    'hair-vol': { style_group_id: 5001, style_ids: [500103] },
  };

  it('draws hair masks on astronaut.png that cover the hair and exclude the face', async () => {
    const { data, info } = await sharp(path.join(DATA, 'astronaut.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { data, width: info.width, height: info.height, channels: 3 as const };
    const face = checkFaceRules(await analyzeFaces(pool, image), feature('hair-style').limits.face!);
    const at = (m: Uint8Array, [x, y]: [number, number]) => m[Math.round(y) * info.width + Math.round(x)];
    // Face landmarks that must never be repainted: nose tip, both eyes, mouth, chin.
    const facePoints = [1, 159, 386, 13, 152].map((i) => face.mesh[i]);
    // Hair of this photo: crown, both sides above the ears.
    const hairPoints: [number, number][] = [[225, 28], [170, 60], [282, 60]];
    const forehead: [number, number] = [(face.mesh[10][0] + face.mesh[9][0]) / 2, (face.mesh[10][1] + face.mesh[9][1]) / 2];
    for (const f of FEATURES) {
      const m = await hairMask(deps(), { rgb: new Uint8Array(data), width: info.width, height: info.height, feature: f, mesh: face.mesh });
      const over = Buffer.from(data);
      for (let i = 0; i < m.target.length; i++) if (m.target[i]) [over[i * 3], over[i * 3 + 1], over[i * 3 + 2]] = [Math.round(over[i * 3] * 0.4 + 153), Math.round(over[i * 3 + 1] * 0.4), Math.round(over[i * 3 + 2] * 0.4)];
      await sharp(over, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(path.join(ART, `hair-mask-${f}.png`));
      for (const p of facePoints) assert.equal(at(m.target, p), 0, `${f}: face point ${p.map(Math.round)} excluded`);
      for (const p of hairPoints) assert.equal(at(m.hair, p), 255, `${f}: hair point ${p} found`);
      if (f === 'hair-style' || f === 'hair-vol') for (const p of hairPoints) assert.equal(at(m.target, p), 255, `${f}: hair point ${p} covered`);
      if (f === 'hair-bang') {
        assert.equal(at(m.target, forehead), 255, 'bang band covers the forehead');
        assert.equal(at(m.target, [225, 28]), 0, 'bang band stays off the crown');
      }
      if (f === 'hair-ext') {
        const side: [number, number] = [face.mesh[152][0] - 70, face.mesh[152][1]];
        assert.equal(at(m.target, side), 255, 'extension zone reaches beside the chin');
      }
    }
  });

  it('refuses portrait-julia.jpg with error_large_face_angle (pitch outside ±10°)', async () => {
    const before = fake.img2img.length;
    await assert.rejects(engine('hair-style', deps({ nsfw: null })).run(job('hair-style', { src_ids: [file('portrait-julia.jpg')] }, params['hair-style']), ctx()), fails('error_large_face_angle', /pitch/));
    assert.equal(fake.img2img.length, before, 'the backend was not called');
  });

  it('checks the format and the style before any model runs', async () => {
    await assert.rejects(engine('hair-style', deps({ nsfw: null })).run(job('hair-style', { src_ids: [file('astronaut.png')] }, params['hair-style']), ctx()), fails('error_decode_image', /jpg/));
    assert.throws(() => job('hair-bang', { src_ids: [file('astronaut.png')] }, params['hair-style']), fails('invalid_parameter'));
  });

  it('repaints the hair region of astronaut.png through the backend and nothing else', async () => {
    const src = readFileSync(path.join(DATA, 'astronaut.png'));
    const before = fake.img2img.length;
    const [out] = await engine('hair-vol', deps({ nsfw: null })).run(job('hair-vol', { src_ids: [file('astronaut.png', src)] }, params['hair-vol'], 'png'), ctx());
    const sent = fake.img2img[before];
    assert.match(String(sent.prompt), /voluminous/);
    assert.equal(sent.denoising_strength, 0.75);
    const a = await rgb(src);
    const b = await rgb(out.data);
    const i = (x: number, y: number) => (y * 512 + x) * 3;
    assert.deepEqual([...b.data.subarray(i(225, 28), i(225, 28) + 3)], [...PAINT], 'crown repainted');
    for (const [x, y] of [[222, 125], [100, 400], [450, 100]]) assert.deepEqual([...b.data.subarray(i(x, y), i(x, y) + 3)], [...a.data.subarray(i(x, y), i(x, y) + 3)], `(${x},${y}) untouched`);
    await sharp(out.data).toFile(path.join(ART, 'hair-vol-astronaut.png'));
  });
  it('runs hair-style (JPEG), hair-ext and hair-bang on astronaut and keeps the face', async () => {
    const png = readFileSync(path.join(DATA, 'astronaut.png'));
    const jpg = await sharp(png).jpeg({ quality: 95 }).toBuffer();
    const a = await rgb(png);
    const aj = await rgb(jpg);
    const nose = (y: number, x: number) => (y * 512 + x) * 3;
    for (const f of ['hair-style', 'hair-ext', 'hair-bang'] as const) {
      const input = f === 'hair-style' ? jpg : png;
      const ref = f === 'hair-style' ? aj : a;
      const before = fake.img2img.length;
      const [out] = await engine(f, deps({ nsfw: null })).run(job(f, { src_ids: [file(f === 'hair-style' ? 'astronaut.jpg' : 'astronaut.png', input)] }, params[f], 'png'), ctx());
      assert.equal(fake.img2img.length, before + 1, `${f} called the backend once`);
      const b = await rgb(out.data);
      const i = nose(125, 222);
      assert.deepEqual([...b.data.subarray(i, i + 3)], [...ref.data.subarray(i, i + 3)], `${f}: nose untouched`);
      let painted = 0;
      for (let k = 0; k < b.data.length; k += 3) if (b.data[k] === PAINT[0] && b.data[k + 1] === PAINT[1] && b.data[k + 2] === PAINT[2]) painted++;
      assert.ok(painted > 500, `${f}: the hair region was repainted (${painted} px)`);
      await sharp(out.data).toFile(path.join(ART, `${f}-astronaut.png`));
    }
  });
});
