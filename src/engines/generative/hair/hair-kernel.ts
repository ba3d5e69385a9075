/**
 * Worker-side: the RVM person matte (@vladmandic/human) and the feature's hair mask drawn from it and
 * the face mesh. Called through the engine pool (`HAIR_KERNEL.run(pool, 'hairMask', …)` in engine.ts).
 */
import { getHuman } from './human-loader.js';
import { hairMasks, type HairFeature, type HairMasks } from './masks.js';

export interface HairMaskArgs {
  /** RGB, 3 bytes per pixel, for the matte: the photo itself or a smaller copy (the matte is scaled up). */
  rgb: Uint8Array;
  rgbWidth?: number;
  rgbHeight?: number;
  /** Size of the photo the mesh and the masks refer to. */
  width: number;
  height: number;
  feature: HairFeature;
  /** Face mesh (MediaPipe topology) in source pixels, from the face analysis. */
  mesh: [number, number][];
}

let flip = false;

export async function hairMask(args: HairMaskArgs): Promise<HairMasks & { matte: Uint8Array }> {
  const { width, height } = args;
  const mw = args.rgbWidth ?? width;
  const mh = args.rgbHeight ?? height;
  const small = await personMatte(args.rgb, mw, mh);
  const matte = mw === width && mh === height ? small : resizeBilinear(small, mw, mh, width, height);
  return { ...hairMasks(args.feature, matte, args.mesh, width, height), matte };
}

async function personMatte(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const human = await getHuman();
  const ints = new Int32Array(width * height * 3);
  for (let i = 0; i < ints.length; i++) ints[i] = rgb[i];
  const tensor = human.tf.tensor4d(ints, [1, height, width, 3], 'int32');
  try {
    // RVM is a video model: human keeps its recurrent state between calls and resets it only when the
    // ratio changes. A still must not inherit the previous photo's state (nor its size), so the ratio
    // alternates by a negligible amount to force a reset on every call.
    flip = !flip;
    const seg = await human.segmentation(tensor, { segmentation: { enabled: true, ratio: flip ? 0.5 : 0.500001 } });
    if (!seg) throw new Error('person matting returned nothing');
    try {
      const [h, w, c] = seg.shape.length === 4 ? seg.shape.slice(1) : seg.shape;
      if (h !== height || w !== width) throw new Error(`person matte is ${w}x${h}, expected ${width}x${height}`);
      const data = await seg.data();
      const out = new Uint8Array(width * height);
      // RGBA: the alpha channel is the matte.
      for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, data[i * c + (c - 1)]));
      return out;
    } finally {
      seg.dispose();
    }
  } finally {
    tensor.dispose();
  }
}

/** One-channel bilinear resize (pixel centres aligned). */
export function resizeBilinear(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = sx - x0;
      const top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
      const bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
      out[y * dw + x] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

export async function warmUp(): Promise<boolean> {
  await getHuman();
  return true;
}
