import { readFileSync } from 'node:fs';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig, type ConfigOverrides } from '../../../src/config.js';
import type { EngineDeps, EngineFile, EngineJob, EngineRunContext } from '../../../src/engines/engine.js';
import type { FeatureId } from '../../../src/features/table.js';
import { checkParams } from '../../../src/features/check.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TESTDATA as TESTDATA_DIR } from '../../helpers/harness.js';

export const TESTDATA = TESTDATA_DIR;
export const ARTIFACTS = path.resolve('artifacts/neural');

export function testDeps(engines: ConfigOverrides['engines'] = {}): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-neural-'));
  return { config: loadConfig({ dataDir, engines }), log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
}

export function photo(name: string): Buffer {
  return readFileSync(path.join(TESTDATA, name));
}

export function file(data: Buffer, name = 'input'): EngineFile {
  return { fileId: name, fileName: name, contentType: 'application/octet-stream', data };
}

/** A job as the task service hands it over: params through the feature contract (throws its ParamError). */
export function job(feature: FeatureId, data: Buffer, params: Record<string, unknown> = {}, outputExt?: 'jpg' | 'png'): EngineJob {
  return { taskId: `t-${feature}`, feature, files: { src_ids: [file(data)] }, params: checkParams(feature, params, { files: { src_ids: 1 } }), outputExt };
}

export function ctx(signal: AbortSignal = new AbortController().signal, onProgress?: (f: number) => void): EngineRunContext {
  return { signal, reportProgress: onProgress ?? (() => undefined), log: pino({ level: 'silent' }) };
}

export async function pngOf(data: Buffer, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

export function saveArtifact(name: string, data: Buffer): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), data);
}

export async function rawOf(data: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const meta = await sharp(data).metadata();
  // sharp widens grayscale to sRGB on raw output unless the colourspace is pinned.
  const img = meta.channels === 1 ? sharp(data).toColourspace('b-w') : sharp(data);
  const { data: px, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: px, width: info.width, height: info.height, channels: info.channels };
}

/** Peak signal-to-noise ratio of two RGB images of equal size, in dB. */
export function psnr(a: Buffer, b: Buffer): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

/** Mean squared gradient of luminance: higher means more fine detail. */
export function gradientEnergy(rgb: Buffer, width: number, height: number, channels: number): number {
  const lum = (i: number) => 0.299 * rgb[i * channels] + 0.587 * rgb[i * channels + 1] + 0.114 * rgb[i * channels + 2];
  let e = 0;
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const p = y * width + x;
      e += (lum(p + 1) - lum(p)) ** 2 + (lum(p + width) - lum(p)) ** 2;
    }
  }
  return e / ((width - 1) * (height - 1));
}
