import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineJob } from '../../../src/engines/engine.js';
import { EngineError } from '../../../src/engines/errors.js';
import { ffmpegPath, ffprobePath, runTool } from '../../../src/engines/video/ffmpeg.js';
import { createVideoEnhanceEngine } from '../../../src/engines/video/video-sr.js';
import { checkParams, ParamError } from '../../../src/features/check.js';
import { fileOf, makeCtx, makeDeps, saveArtifact, testFile } from './helpers.js';

interface Probe { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration: string } }
async function probe(file: string): Promise<Probe> {
  return JSON.parse(await runTool(ffprobePath(), ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file])) as Probe;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'darkroom-video-test-'));
/** Small synthetic clips for the limit checks, made with the same ffmpeg. */
async function clip(name: string, args: string[]): Promise<Buffer> {
  const out = path.join(tmp, name);
  await runTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-y', ...args, out]);
  return readFileSync(out);
}
/** A job as the task service hands it over: params through the feature contract. */
const job = (data: Buffer, params: Record<string, unknown> = {}, name = 'in.mp4'): EngineJob =>
  ({ taskId: 't', feature: 'video-sr', files: { src_ids: [fileOf(data, name, 'video/mp4')] }, params: checkParams('video-sr', params, { files: { src_ids: 1 } }) });

describe('video enhance', () => {
  const deps = makeDeps();
  const engine = createVideoEnhanceEngine(deps);
  const fixtures: Record<string, Buffer> = {};
  before(async () => {
    const colour = ['-f', 'lavfi', '-i'];
    fixtures.tooLong = await clip('long.mp4', [...colour, 'color=c=gray:size=64x48:rate=2', '-t', '61', '-c:v', 'libx264', '-preset', 'ultrafast']);
    fixtures.tooWide = await clip('wide.mp4', [...colour, 'color=c=gray:size=1930x64:rate=2', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast']);
    fixtures.mjpeg = await clip('mjpeg.mov', [...colour, 'color=c=gray:size=64x48:rate=5', '-t', '1', '-c:v', 'mjpeg']);
    fixtures.pcm = await clip('pcm.mov', [...colour, 'color=c=gray:size=64x48:rate=5', ...colour, 'sine=frequency=440', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s16le']);
    fixtures.mp3 = await clip('mp3.mp4', [...colour, 'color=c=gray:size=64x48:rate=5', ...colour, 'sine=frequency=440', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'libmp3lame']);
  });
  after(() => deps.pool.destroy());

  it('without ffmpeg the feature says so and its tasks fail with error_inference', async () => {
    const missing = makeDeps();
    missing.config.engines.video.ffmpeg = path.join(os.tmpdir(), 'no-such-ffmpeg');
    try {
      const broken = createVideoEnhanceEngine(missing);
      const a = broken.availability();
      assert.equal(a.available, false);
      assert.match(a.reason ?? '', /ffmpeg is not installed/);
      await assert.rejects(broken.run(job(testFile('street.mp4').data), makeCtx()), (e: unknown) => e instanceof EngineError && e.code === 'error_inference');
    } finally {
      await missing.pool.destroy();
    }
    assert.equal(engine.availability().available, true);
  });

  it('doubles the resolution of street.mp4, keeps its duration and audio, and reports progress', async () => {
    const progress: number[] = [];
    const out = await engine.run(job(testFile('street.mp4').data), makeCtx(progress));
    assert.equal(out.length, 1);
    assert.equal(out[0].contentType, 'video/mp4');
    const file = saveArtifact('video-sr-street.mp4', out[0].data);
    const p = await probe(file);
    const v = p.streams.find((s) => s.codec_type === 'video');
    const a = p.streams.find((s) => s.codec_type === 'audio');
    assert.equal(v?.codec_name, 'h264');
    assert.equal(v?.width, 768);
    assert.equal(v?.height, 576);
    assert.equal(a?.codec_name, 'aac');
    assert.ok(Math.abs(Number(p.format.duration) - 4) <= 0.1, `duration ${p.format.duration}`);
    assert.ok(progress.length >= 2, `progress ${progress}`);
    assert.ok(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1])), `monotonic ${progress}`);
    assert.ok(progress[progress.length - 1] > 0.9, `ends near 1: ${progress}`);
  });

  it('trims to dst_duration seconds', async () => {
    const out = await engine.run(job(testFile('street.mp4').data, { dst_duration: 2 }), makeCtx());
    const file = path.join(tmp, 'trim.mp4');
    writeFileSync(file, out[0].data);
    const p = await probe(file);
    assert.ok(Math.abs(Number(p.format.duration) - 2) <= 0.1, `duration ${p.format.duration}`);
  });

  it('accepts MP3 audio and keeps it', async () => {
    const out = await engine.run(job(fixtures.mp3), makeCtx());
    const file = path.join(tmp, 'mp3-out.mp4');
    writeFileSync(file, out[0].data);
    const p = await probe(file);
    assert.equal(p.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'mp3');
    assert.equal(p.streams.find((s) => s.codec_type === 'video')?.width, 128);
  });

  const rejects = (name: string, get: () => Buffer, params: Record<string, unknown>, code: string, pattern: RegExp) =>
    it(`rejects ${name} with ${code}`, async () => {
      await assert.rejects(engine.run(job(get(), params), makeCtx()), (e: EngineError) => {
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        return true;
      });
    });
  rejects('a photo', () => testFile('messi5.jpg').data, {}, 'error_decode_image', /mp4/);
  rejects('a truncated mp4', () => testFile('street.mp4').data.subarray(0, 3000), {}, 'error_decode_image', /video/);
  rejects('a clip over one minute', () => fixtures.tooLong, {}, 'invalid_parameter', /60 s/);
  rejects('a clip wider than 1920 px', () => fixtures.tooWide, {}, 'invalid_parameter', /1920/);
  rejects('an MJPEG video stream', () => fixtures.mjpeg, {}, 'invalid_parameter', /mjpeg/);
  rejects('PCM audio', () => fixtures.pcm, {}, 'invalid_parameter', /pcm/);
  for (const dst_duration of [0, 1.5, 61, 'long']) {
    it(`the contract refuses a dst_duration of ${JSON.stringify(dst_duration)}`, () => {
      assert.throws(() => job(testFile('street.mp4').data, { dst_duration }), (e: unknown) => e instanceof ParamError && e.field === 'dst_duration' && /dst_duration/.test(e.message));
    });
  }

  it('stops ffmpeg when the task is aborted', async () => {
    const ac = new AbortController();
    const ctx = makeCtx([], ac.signal);
    ctx.reportProgress = (f) => { if (f > 0.02) ac.abort(); };
    await assert.rejects(engine.run(job(testFile('street.mp4').data), ctx), (e: Error) => e.name === 'TaskAbortedError');
  });
});
