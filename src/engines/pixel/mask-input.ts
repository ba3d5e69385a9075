import type { FeatureSpec } from '../../features/table.js';
import type { EngineFile } from '../engine.js';
import { EngineError } from '../errors.js';
import { loadImage, sharedBytes, toRaw, type RawImage } from '../image-io.js';

/** JPEG chroma noise on a gray mask stays under this per-channel spread. */
const GRAY_TOLERANCE = 12;

/**
 * Decodes an object-removal mask: same size as the photo, grayscale (white = remove). Returns one
 * byte per pixel (in shared memory), 1 where the photo must be filled.
 */
export async function loadRemovalMask(file: EngineFile, spec: FeatureSpec, width: number, height: number, maxPixels: number): Promise<Uint8Array> {
  const mask = await loadImage(file, spec, { role: 'mask', maxPixels });
  if (mask.width !== width || mask.height !== height) {
    throw new EngineError('invalid_parameter', `mask is ${mask.width}x${mask.height} but the photo is ${width}x${height}; they must be the same size`);
  }
  const meta = await mask.image.metadata();
  // A one-channel mask without a colour profile is read as one channel: the same gray values its RGB
  // decode would triplicate (checked for 8- and 16-bit PNG and JPEG), without a 50 MB RGB buffer at
  // 4096² left as garbage in the main thread while the fill runs (issue 14).
  if (meta.channels === 1 && !meta.hasProfile) return grayHole(await toRaw(mask.image, 1), width, height);
  const rgb = await toRaw(mask.image, 3);
  if ((meta.channels ?? 3) > 2) {
    let colourful = 0;
    for (let o = 0; o < rgb.data.length; o += 3) {
      const r = rgb.data[o], g = rgb.data[o + 1], b = rgb.data[o + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > GRAY_TOLERANCE) colourful++;
    }
    // A few coloured pixels can be compression noise; a colour photo has many.
    if (colourful > width * height * 0.001) throw new EngineError('invalid_parameter', 'mask must be a grayscale image (white = area to remove)');
  }
  // In shared memory: the fill's worker reads it without a copy (issue 14).
  const hole = sharedBytes(width * height);
  let count = 0;
  for (let i = 0; i < hole.length; i++) {
    const o = 3 * i;
    if ((rgb.data[o] + rgb.data[o + 1] + rgb.data[o + 2]) / 3 > 127) { hole[i] = 1; count++; }
  }
  return nonEmpty(hole, count);
}

function grayHole(gray: RawImage, width: number, height: number): Uint8Array {
  const hole = sharedBytes(width * height);
  let count = 0;
  for (let i = 0; i < hole.length; i++) if (gray.data[i] > 127) { hole[i] = 1; count++; }
  return nonEmpty(hole, count);
}

function nonEmpty(hole: Uint8Array, count: number): Uint8Array {
  if (count === 0) throw new EngineError('invalid_parameter', 'mask is empty: paint the area to remove in white');
  return hole;
}
