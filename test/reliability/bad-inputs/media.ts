import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export const TESTDATA = process.env.DARKROOM_TESTDATA ?? path.resolve(import.meta.dirname, '../../../../shared/testdata');

export const realFile = (name: string): Buffer => readFileSync(path.join(TESTDATA, name));

/** The first `fraction` of a real file: what a dropped connection or a broken client leaves behind. */
export function truncated(data: Buffer, fraction: number): Buffer {
  return Buffer.from(data.subarray(0, Math.max(1, Math.floor(data.length * fraction))));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring width×height RGB pixels, with a few kilobytes
 * of highly compressible rows. Decoding it in full would need width×height×3 bytes.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * 64); // 64 rows of zeros: deflates to a few kB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Small, real inputs derived from the shared test photos. */
export interface Media {
  jpg: Buffer;
  png: Buffer;
  heic: Buffer;
  mp4: Buffer;
  /** 96×64 PNG used as the photo in mask cases. */
  photo: Buffer;
  maskOk: Buffer;
  maskWrongSize: Buffer;
  maskColour: Buffer;
  maskEmpty: Buffer;
  /** Complete and small, but 5000 px on its long side. */
  tooLong: Buffer;
  /** 30000×30000 declared. */
  bomb: Buffer;
}

export async function loadMedia(): Promise<Media> {
  const photo = await sharp(realFile('coffee.png')).resize(96, 64, { fit: 'fill' }).png().toBuffer();
  const black = { r: 0, g: 0, b: 0 };
  const whiteBox = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: black } })
      .composite([{ input: { create: { width: Math.floor(w / 3), height: Math.floor(h / 3), channels: 3, background: { r: 255, g: 255, b: 255 } } }, left: Math.floor(w / 3), top: Math.floor(h / 3) }])
      .grayscale()
      .png()
      .toBuffer();
  return {
    jpg: realFile('home.jpg'),
    png: realFile('chelsea.png'),
    heic: realFile('astronaut.heic'),
    mp4: realFile('street.mp4'),
    photo,
    maskOk: await whiteBox(96, 64),
    maskWrongSize: await whiteBox(48, 32),
    maskColour: await sharp(realFile('fruits.jpg')).resize(96, 64, { fit: 'fill' }).png().toBuffer(),
    maskEmpty: await sharp({ create: { width: 96, height: 64, channels: 3, background: black } }).grayscale().png().toBuffer(),
    tooLong: await sharp({ create: { width: 5000, height: 8, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer(),
    bomb: pngBomb(30000, 30000),
  };
}
