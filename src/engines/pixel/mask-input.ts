import type { FeatureSpec } from '../../features/table.js';
import type { EngineFile } from '../engine.js';
import { EngineError } from '../errors.js';
import { loadImage, sharedBytes, toRaw } from '../image-io.js';

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
  if (count === 0) throw new EngineError('invalid_parameter', 'mask is empty: paint the area to remove in white');
  return hole;
}
