import sharp, { type Sharp } from 'sharp';
import type { FeatureSpec, InputFormat } from '../features/table.js';
import type { EngineFile, EngineOutput } from './engine.js';
import { EngineError } from './errors.js';

// libvips' operation cache keeps recent operations alive together with their input and output
// buffers (up to 50 MB and 100 operations by default): across tasks on full-size photos that is
// memory the process never hands back, and no task repeats another's operations.
sharp.cache(false);

/** Recognises the container from its first bytes; the declared content type is never trusted. */
export function sniffFormat(data: Buffer): InputFormat | 'webp' | 'gif' | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data.length >= 12 && data.toString('latin1', 4, 8) === 'ftyp') {
    const brand = data.toString('latin1', 8, 12);
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
    if (brand === 'qt  ') return 'mov';
    if (brand.startsWith('M4V')) return 'm4v';
    return 'mp4';
  }
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (data.length >= 6 && data.toString('latin1', 0, 3) === 'GIF') return 'gif';
  return undefined;
}

export interface LoadedImage {
  /** Pipeline with EXIF orientation applied; clone it before adding operations. */
  image: Sharp;
  width: number;
  height: number;
  format: InputFormat;
  hasAlpha: boolean;
}

export interface LoadOptions {
  role?: 'image' | 'mask';
  /** Pixel ceiling checked from the header before any full decode. */
  maxPixels: number;
}

/** Decodes the first HEIC image after checking its dimensions (read before any pixel is decoded). */
async function decodeHeic(data: Buffer, checkDims: (width: number, height: number) => void): Promise<Sharp> {
  const { all } = await import('heic-decode');
  const [first] = await all({ buffer: data });
  if (!first) throw new Error('no image in the HEIC file');
  checkDims(first.width, first.height);
  const out = await first.decode();
  // libheif hands out RGBA with an opaque alpha: drop it so a photo stays a photo (JPEG out, not PNG).
  return sharp(Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength), {
    raw: { width: out.width, height: out.height, channels: 4 },
  }).removeAlpha();
}

/**
 * Decodes one input file under the feature's limits: file size, format, pixel ceiling (before
 * decoding, against decompression bombs), EXIF orientation, long/short side. Errors carry the
 * source document's codes.
 */
export async function loadImage(file: EngineFile, spec: FeatureSpec, opts: LoadOptions): Promise<LoadedImage> {
  const isMask = opts.role === 'mask';
  const decodeError = isMask ? 'error_decode_mask' : 'error_decode_image';
  const what = isMask ? 'mask' : 'image';
  if (file.data.length >= spec.limits.maxBytes) {
    throw new EngineError('exceed_max_filesize', `${what} is ${file.data.length} bytes; ${spec.title} accepts less than ${spec.limits.maxBytes} bytes`);
  }
  const format = sniffFormat(file.data);
  const allowed: readonly string[] = isMask ? ['jpg', 'png'] : spec.limits.formats;
  if (!format || !allowed.includes(format)) {
    throw new EngineError(decodeError, `${what} is not a ${allowed.join('/')} file${format ? ` (found ${format})` : ''}`);
  }
  const lim = spec.limits;
  /** Pixel ceiling and the table's sides, from the header: nothing oversized is ever decoded. */
  const checkDims = (width: number, height: number) => {
    if (width * height > opts.maxPixels) throw new EngineError('invalid_parameter', `${what} has more than ${opts.maxPixels} pixels`);
    const long = Math.max(width, height);
    const short = Math.min(width, height);
    if (long > lim.maxLongSide) throw new EngineError('invalid_parameter', `${what} is ${width}x${height}; the long side must be at most ${lim.maxLongSide} px`);
    if (lim.minShortSide && short < lim.minShortSide) throw new EngineError('invalid_parameter', `${what} is ${width}x${height}; the short side must be at least ${lim.minShortSide} px`);
    if (lim.maxShortSide && short > lim.maxShortSide) throw new EngineError('invalid_parameter', `${what} is ${width}x${height}; the short side must be at most ${lim.maxShortSide} px`);
  };
  let image: Sharp;
  let info: { width: number; height: number; channels: number };
  try {
    if (format === 'heic') {
      image = await decodeHeic(file.data, checkDims);
      const meta = await image.metadata();
      info = { width: meta.width!, height: meta.height!, channels: 3 };
    } else {
      const meta = await sharp(file.data, { limitInputPixels: opts.maxPixels, failOn: 'error' }).metadata();
      if (!meta.width || !meta.height) throw new Error('no dimensions');
      // EXIF orientations 5-8 swap width and height once applied.
      const turned = (meta.orientation ?? 1) >= 5;
      checkDims(turned ? meta.height : meta.width, turned ? meta.width : meta.height);
      image = sharp(file.data, { limitInputPixels: opts.maxPixels, failOn: 'error' }).rotate();
      info = { width: turned ? meta.height : meta.width, height: turned ? meta.width : meta.height, channels: meta.channels ?? 3 };
    }
    await decodeEveryRow(image, info.height);
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/pixel limit|too many/i.test(msg)) throw new EngineError('invalid_parameter', `${what} has more than ${opts.maxPixels} pixels`);
    throw new EngineError(decodeError, `cannot decode ${what}: ${msg}`);
  }
  const { width, height } = info;
  return { image, width, height, format: format as InputFormat, hasAlpha: info.channels === 4 || info.channels === 2 };
}

/**
 * One full decode, so truncated files fail here and not halfway through the engine, keeping no
 * pixels (a raw copy of a 4096² 16-bit PNG alone is 100 MB): each row is averaged to one pixel.
 * Every row must be asked for — a shrink in height stops short of the last rows, where a JPEG cut
 * by a few bytes shows it. (sharp's stats() did this too, but also a Laplacian, a histogram and a
 * 3-D colour histogram, each a pass of its own: 27 → 5 ms CPU on a 1024 × 708 JPEG, 190 → 23 ms at
 * 3000 px, 850 → 310 ms for a 4096² 16-bit PNG.)
 */
async function decodeEveryRow(image: Sharp, height: number): Promise<void> {
  await image.clone().resize(1, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
}

/** Raw interleaved pixels, the form the pixel engines and models work on. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** `bytes` zeroed bytes in shared memory: a pool worker reads and writes them without a copy. */
export function sharedBytes(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes));
}

/**
 * Moves `raw`'s pixels into shared memory and lets go of the original buffer, so a large photo is
 * held once while a worker works on it (issue 14: a 4096² photo's copy to and from a thread is 50 MB).
 */
export function moveToShared(raw: RawImage): Uint8Array {
  const shared = sharedBytes(raw.data.byteLength);
  shared.set(raw.data);
  raw.data = Buffer.alloc(0);
  return shared;
}

export async function toRaw(image: Sharp, channels: 1 | 3 | 4): Promise<RawImage> {
  let p = image.clone();
  if (channels === 1) p = p.grayscale();
  else if (channels === 3) p = p.removeAlpha();
  else p = p.ensureAlpha();
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels };
}

/** Encodes a result: PNG when asked or when it has alpha, otherwise the client's `output_ext` or JPEG. */
export async function encodeOutput(raw: RawImage, outputExt?: 'jpg' | 'png', opts: { forcePng?: boolean; meta?: Record<string, unknown> } = {}): Promise<EngineOutput> {
  // Results can be larger than sharp's default input ceiling (x4 of a 4096 px photo is 268 M pixels).
  let img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels }, limitInputPixels: false });
  // sharp writes one-channel raw input as RGB unless the colourspace is pinned: masks must stay grayscale.
  if (raw.channels === 1) img = img.toColourspace('b-w');
  const png = opts.forcePng || raw.channels === 4 || outputExt === 'png';
  // zlib level 3 instead of sharp's 6: a 1024² photo encodes ~3× faster (62 vs 240 ms measured) for a
  // file 0.4 % larger; four colour grades of one photo spent most of their time here.
  if (png) return { data: await img.png({ compressionLevel: 3 }).toBuffer(), contentType: 'image/png', ext: 'png', meta: opts.meta };
  // No optimised Huffman coding: its second pass keeps the whole encoded image in memory (~200 MB at
  // 4096²) for files only 4–6 % smaller; the decoded pixels are the same.
  return { data: await img.jpeg({ quality: 92, chromaSubsampling: '4:4:4', optimiseCoding: false }).toBuffer(), contentType: 'image/jpeg', ext: 'jpg', meta: opts.meta };
}

/** The first file of a set, or the engine error the source document gives for a missing input. */
export function firstFile(files: EngineFile[] | undefined, role: 'image' | 'mask' = 'image'): EngineFile {
  const f = files?.[0];
  if (!f) throw new EngineError(role === 'mask' ? 'error_download_mask' : 'error_download_image', `no ${role} file given`);
  return f;
}
