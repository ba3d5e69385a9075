import sharp from 'sharp';
import type { RawImage } from '../image-io.js';

// Per-pixel work here runs in libvips' own threads (through sharp), never on the API's event loop.
// sharp applies its operations in a fixed order whatever the call order, so each step that
// depends on the previous one starts from a materialised raw buffer.
const raw = (width: number, height: number, channels: 1 | 3 | 4) => ({ raw: { width, height, channels }, limitInputPixels: false as const });

/** RGB plus the given single-channel buffer as alpha. */
async function withAlpha(img: RawImage, alpha: Buffer): Promise<Buffer> {
  const rgb = img.channels === 3 ? img.data : await sharp(img.data, raw(img.width, img.height, img.channels)).removeAlpha().raw().toBuffer();
  return sharp(rgb, raw(img.width, img.height, 3)).joinChannel(alpha, raw(img.width, img.height, 1)).raw().toBuffer();
}

async function rgbOf(p: sharp.Sharp, width: number, height: number): Promise<RawImage> {
  return { data: await p.removeAlpha().raw().toBuffer(), width, height, channels: 3 };
}

/** out = src * a + background * (1 - a), where a is the matte; the background is a colour or an image of the same size. */
export async function compositeOver(src: RawImage, matte: Buffer, background: [number, number, number] | RawImage): Promise<RawImage> {
  const { width, height } = src;
  const fg = await withAlpha(src, matte);
  if (Array.isArray(background)) {
    const [r, g, b] = background;
    return rgbOf(sharp(fg, raw(width, height, 4)).flatten({ background: { r, g, b } }), width, height);
  }
  return rgbOf(sharp(background.data, raw(width, height, background.channels)).composite([{ input: fg, ...raw(width, height, 4) }]), width, height);
}

/**
 * The background blurred without the subject bleeding into it: blur(image * w) / blur(w), with
 * w = 1 - matte. sharp premultiplies by alpha before blurring and divides after, so the weight
 * goes in as alpha. Deep inside the subject no background is near (blurred weight <= 8): the source
 * is kept there, hidden by the matte anyway.
 */
export async function blurredBackground(src: RawImage, matte: Buffer, sigma: number): Promise<RawImage> {
  const { width, height } = src;
  const weight = await sharp(matte, raw(width, height, 1)).negate().raw().toBuffer();
  const blurred = await sharp(await withAlpha(src, weight), raw(width, height, 4)).blur(sigma).raw().toBuffer();
  const reached = await sharp(blurred, raw(width, height, 4)).extractChannel(3).threshold(9).raw().toBuffer();
  const blurredWhereReached = await withAlpha({ data: blurred, width, height, channels: 4 }, reached);
  return rgbOf(sharp(src.data, raw(width, height, src.channels)).composite([{ input: blurredWhereReached, ...raw(width, height, 4) }]), width, height);
}
