import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import type { EngineDeps, EngineFile, EngineRunContext } from '../../../src/engines/engine.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import { TESTDATA as TESTDATA_DIR } from '../../helpers/harness.js';

export const TESTDATA = TESTDATA_DIR;
export const ARTIFACTS = path.resolve('artifacts/pixel');

export function makeDeps(opts: { modelsDir?: string } = {}): EngineDeps {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-pixel-'));
  const config = loadConfig({ dataDir, engines: { modelsDir: opts.modelsDir ?? path.join(dataDir, 'models') } });
  return { config, log: pino({ level: 'silent' }), pool: createWorkerPool(2) };
}

export function makeCtx(progress: number[] = [], signal: AbortSignal = new AbortController().signal): EngineRunContext {
  return { signal, reportProgress: (f) => progress.push(f), log: pino({ level: 'silent' }) };
}

export function fileOf(data: Buffer, name = 'input.jpg', contentType = 'image/jpeg'): EngineFile {
  return { fileId: name, fileName: name, contentType, data };
}

export function testFile(name: string): EngineFile {
  const ct = name.endsWith('.png') ? 'image/png' : name.endsWith('.mp4') ? 'video/mp4' : 'image/jpeg';
  return fileOf(readFileSync(path.join(TESTDATA, name)), name, ct);
}

export function saveArtifact(name: string, data: Buffer): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = path.join(ARTIFACTS, name);
  writeFileSync(p, data);
  return p;
}

export async function rgbOf(data: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data: px, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: px, width: info.width, height: info.height };
}

/** Mean and standard deviation of RGB over the pixels selected by `pick`. */
export function regionStats(img: { data: Buffer; width: number; height: number }, pick: (x: number, y: number) => boolean): { mean: number[]; std: number[]; n: number } {
  const sum = [0, 0, 0], sq = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!pick(x, y)) continue;
      const o = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) { sum[c] += img.data[o + c]; sq[c] += img.data[o + c] ** 2; }
      n++;
    }
  }
  const mean = sum.map((s) => s / n);
  return { mean, std: sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c] ** 2))), n };
}
