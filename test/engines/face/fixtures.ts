/** Photos the face tests derive from the shared test photos, and the shared engine setup. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config.js';
import type { EngineDeps, EngineFile, EngineRunContext } from '../../../src/engines/engine.js';
import { createWorkerPool } from '../../../src/engines/runtime/pool.js';
import type { FaceInfo, FaceRegion } from '../../../src/engines/face/analysis.js';
import { analyzeFaces, hardRegionMask, regionMask } from '../../../src/engines/face/analysis.js';
import { featherInside } from '../../../src/engines/face/raster.js';
import { TESTDATA as TESTDATA_DIR } from '../../helpers/harness.js';

export const TESTDATA = TESTDATA_DIR;
export const ARTIFACTS = path.resolve('artifacts/face');
mkdirSync(ARTIFACTS, { recursive: true });

export const photo = (name: string): Buffer => readFileSync(path.join(TESTDATA, name));

export function engineFile(data: Buffer, name = 'photo.png'): EngineFile {
  return { fileId: name, fileName: name, contentType: name.endsWith('.jpg') ? 'image/jpeg' : 'image/png', data };
}

export function makeDeps(threads = 1): EngineDeps {
  return { config: loadConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'darkroom-face-')) }), log: pino({ level: 'silent' }), pool: createWorkerPool(threads) };
}

export function runContext(deps: EngineDeps): EngineRunContext {
  return { signal: new AbortController().signal, reportProgress() {}, log: deps.log };
}

export interface Rgb {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export async function decodeRgb(data: Buffer): Promise<Rgb> {
  const { data: px, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: px, width: info.width, height: info.height, channels: 3 };
}

export const encodePng = (img: Rgb): Promise<Buffer> => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();

/** The photo rotated in-plane (roll) by `deg`, corners filled grey. */
export const rotated = (data: Buffer, deg: number): Promise<Buffer> => sharp(data).rotate(deg, { background: '#808080' }).png().toBuffer();

/** A tight crop of a face, scaled so the face is about `faceWidth` px wide. */
export async function smallFace(data: Buffer, face: FaceInfo, faceWidth: number): Promise<Buffer> {
  const [x1, y1, x2, y2] = face.box;
  const w = x2 - x1, h = y2 - y1;
  const left = Math.max(0, Math.round(x1 - w * 0.6)), top = Math.max(0, Math.round(y1 - h * 0.6));
  const meta = await sharp(data).metadata();
  const width = Math.min(meta.width! - left, Math.round(w * 2.2)), height = Math.min(meta.height! - top, Math.round(h * 2.2));
  const scale = faceWidth / w;
  return sharp(data).extract({ left, top, width, height }).resize(Math.round(width * scale), Math.round(height * scale)).png().toBuffer();
}

/** Two portraits side by side (each scaled to the same height), for the multiple-people check. */
export async function sideBySide(a: Buffer, b: Buffer, height = 512): Promise<Buffer> {
  const left = await sharp(a).resize({ height }).png().toBuffer({ resolveWithObject: true });
  const right = await sharp(b).resize({ height }).png().toBuffer({ resolveWithObject: true });
  return sharp({ create: { width: left.info.width + right.info.width, height, channels: 3, background: '#808080' } })
    .composite([{ input: left.data, left: 0, top: 0 }, { input: right.data, left: left.info.width, top: 0 }])
    .png()
    .toBuffer();
}

/** Mean RGB of the pixels under a mask (nonzero). */
export function meanUnder(img: Rgb, mask: Uint8Array): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    for (let c = 0; c < 3; c++) s[c] += img.data[i * 3 + c];
  }
  return s.map((v) => v / Math.max(1, n)) as [number, number, number];
}

/**
 * A made-up version of a face: deep red lips, violet eye shadow and pink blush painted through the
 * face's own soft region masks (the reference for makeup transfer tests and the README picture).
 */
export function paintMakeup(img: Rgb, face: FaceInfo): Rgb {
  const out = Buffer.from(img.data);
  const paint = (mask: Uint8Array, colour: [number, number, number], opacity: number) => {
    for (let i = 0; i < mask.length; i++) {
      const a = (mask[i] / 255) * opacity;
      if (!a) continue;
      for (let c = 0; c < 3; c++) {
        // Multiply blend keeps the skin's shading under the colour, as real makeup does.
        const base = out[i * 3 + c];
        out[i * 3 + c] = Math.round(base * (1 - a) + ((base * colour[c]) / 255) * a);
      }
    }
  };
  const soft = (r: FaceRegion, px: number) => regionMask(face, r, img.width, img.height, px);
  paint(soft('lips', 3), [200, 20, 50], 0.85);
  paint(soft('cheeks', 18), [255, 150, 170], 0.5);
  paint(featherInside(hardRegionMask(face, 'eyeshadow', img.width, img.height), img.width, img.height, 3), [150, 90, 200], 0.6);
  return { ...img, data: out };
}

/** A shared photo decoded, and the first face the analysis finds in it (for a test file's `before`). */
export async function analysedPhoto(deps: EngineDeps, name: string): Promise<{ img: Rgb; face: FaceInfo }> {
  const img = await decodeRgb(photo(name));
  return { img, face: (await analyzeFaces(deps.pool, img)).faces[0] };
}

/** The widest face the analysis finds in an image (the subject, in a photo with others around it). */
export async function widestFace(deps: EngineDeps, img: Rgb): Promise<FaceInfo> {
  const a = await analyzeFaces(deps.pool, img);
  assert.ok(a.faces.length > 0, 'no face found');
  return a.faces.reduce((b, f) => (f.width > b.width ? f : b));
}
