/**
 * Worker-side out-painting: fill everything around the placed input by exemplars, hand far margins
 * over to a smooth continuation with grain (extension-blend.ts), then blend the border band.
 */
import { blendBorderBand, type Rect } from './border-blend.js';
import { blendExtension } from './extension-blend.js';
import { fillHole } from './hole-fill.js';

export interface OutpaintRequest {
  /** The canvas, RGB, with the input already placed at `rect`. */
  rgb: Uint8Array;
  width: number;
  height: number;
  rect: Rect;
  /** Optional subject matte of the canvas (1 byte per pixel, non-zero = subject): kept out of the sources. */
  subject?: Uint8Array;
}

/** Width of the band where fill hands over to the reflected input: about 1 % of the input's long side. */
export function borderBand(rect: Rect): number {
  return Math.max(3, Math.round(Math.max(rect.width, rect.height) * 0.012));
}

/** How far from the subject the fill may still copy subject patches (a subject cut by the border continues). */
export function subjectReach(rect: Rect): number {
  return Math.max(8, Math.round(Math.max(rect.width, rect.height) * 0.04));
}

export function outpaintKernel(req: OutpaintRequest): Uint8Array {
  const { width: w, height: h, rect } = req;
  const hole = new Uint8Array(w * h).fill(1);
  for (let y = rect.y; y < rect.y + rect.height; y++) hole.fill(0, y * w + rect.x, y * w + rect.x + rect.width);
  // No mask growth: the placed input must come back pixel-exact.
  const filled = fillHole({ rgb: req.rgb, width: w, height: h, hole, dilate: 0, avoid: req.subject, subjectReach: subjectReach(rect), belonging: true });
  return blendBorderBand(blendExtension(filled, w, h, rect), w, h, rect, borderBand(rect));
}
