/**
 * loadImage decodes every pixel before any engine work (image-io.ts, decodeEveryRow): a file cut
 * short fails there with the decode error, however little is missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { isEngineError } from '../../src/engines/errors.js';
import { loadImage } from '../../src/engines/image-io.js';
import { feature } from '../../src/features/table.js';

const file = (data: Buffer) => ({ fileId: 'f', fileName: 'f', contentType: 'application/octet-stream', data });
const load = (data: Buffer) => loadImage(file(data), feature('sod'), { maxPixels: 50_000_000 });
const cut = (data: Buffer, bytes: number) => Buffer.from(data.subarray(0, data.length - bytes));

/** A photo-like gradient with noise, so every JPEG block carries data up to the last row. */
async function photo(width: number, height: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let i = 0; i < px.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    px[i] = ((i / 3) % width) / 4 + (seed >>> 26);
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

test('a JPEG missing only its last bytes is refused at load, whatever its height', async () => {
  // 708 rows is not a multiple of a small shrink: a pass that shrank the height would skip the last rows.
  for (const [w, h] of [[1024, 708], [300, 1001]]) {
    const jpg = await photo(w, h);
    const ok = await load(jpg);
    assert.deepEqual([ok.width, ok.height], [w, h]);
    for (const bytes of [1, 2, 20, 200, Math.floor(jpg.length / 2)]) {
      await assert.rejects(load(cut(jpg, bytes)), (e) => isEngineError(e) && e.code === 'error_decode_image', `${w}x${h} cut by ${bytes} bytes`);
    }
  }
});

test('a PNG cut short is refused at load; the decode check handles 16-bit and rotated input', async () => {
  const png16 = await sharp(await photo(640, 427)).toColourspace('rgb16').png().toBuffer();
  assert.equal((await load(png16)).height, 427);
  for (const bytes of [20, 200, Math.floor(png16.length / 2)]) {
    await assert.rejects(load(cut(png16, bytes)), (e) => isEngineError(e) && e.code === 'error_decode_image', `16-bit PNG cut by ${bytes} bytes`);
  }
  const turned = await sharp(await photo(400, 300)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const t = await load(turned);
  assert.deepEqual([t.width, t.height], [300, 400]);
  await assert.rejects(load(cut(turned, 2)), (e) => isEngineError(e) && e.code === 'error_decode_image');
});
