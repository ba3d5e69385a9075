/**
 * Worker-side out-painting: fill everything around the placed input by exemplars, hand far margins
 * over to a smooth continuation with grain (extension-blend.ts), then blend the border band.
 */
import { blendBorderBand, type Rect } from './border-blend.js';
import { blendExtension } from './extension-blend.js';
import { fillHole, type Box } from './hole-fill.js';
import { matchFillTone } from './tone-match.js';
import { detectLattice } from './lattice.js';

export interface OutpaintRequest {
  /** The canvas, RGB, with the input already placed at `rect`. */
  rgb: Uint8Array;
  width: number;
  height: number;
  rect: Rect;
  /** Optional subject matte of the canvas (1 byte per pixel, non-zero = subject): kept out of the sources. */
  subject?: Uint8Array;
}

/**
 * Width of the band where fill hands over to the input's continued edge (border-blend.ts): about 2.5 %
 * of the input's long side, at least 8 px (6 left brick at 30 % a 10-level step per ring where a dark
 * sliver of brick face at the edge met the lighter fill; the band carries the fill's detail, so a
 * wider one does not blur). 1.2 % (3 px on a 154-px input) crammed the hand-over into two rings: the
 * step read as a frame (largest ring-to-ring step within 8 px of the input 1.5–1.9× the original's on
 * coffee, brick and astronaut at 30 %).
 */
export function borderBand(rect: Rect): number {
  return Math.max(8, Math.round(Math.max(rect.width, rect.height) * 0.025));
}

/** How far from the subject the fill may still copy subject patches (a subject cut by the border continues). */
export function subjectReach(rect: Rect): number {
  return Math.max(8, Math.round(Math.max(rect.width, rect.height) * 0.04));
}

/**
 * The widest span one translation may copy into the margins: about 3.5 % of the canvas's long side
 * (18 px at 512). Larger copied regions read as pasted fragments of the photo, repeated.
 */
export function copySpan(w: number, h: number): number {
  return Math.max(8, Math.round(0.035 * Math.max(w, h)));
}

/**
 * The box over which the tone match compares input and fill: 10 % of the input's shorter side, at least
 * 4 px. A tone offset is a low frequency; 4 % (5 px on a 120-px brick wall) measured single bricks'
 * shades as offsets and spread them as dark blotches along the edge.
 */
export function toneRadius(rect: Rect): number {
  return Math.max(4, Math.round(Math.min(rect.width, rect.height) * 0.1));
}

export function outpaintKernel(req: OutpaintRequest): Uint8Array {
  const { width: w, height: h, rect } = req;
  const hole = new Uint8Array(w * h).fill(1);
  for (let y = rect.y; y < rect.y + rect.height; y++) hole.fill(0, y * w + rect.x, y * w + rect.x + rect.width);
  // No mask growth: the placed input must come back pixel-exact.
  // The patch residual over the canvas: where the vote averaged patches that disagree (garble).
  let residual: Float32Array | undefined;
  const onResidual = (r: Float32Array, b: Box) => {
    residual = new Float32Array(w * h);
    const bw = b.x1 - b.x0;
    for (let y = b.y0; y < b.y1; y++) residual.set(r.subarray((y - b.y0) * bw, (y - b.y0 + 1) * bw), y * w + b.x0);
  };
  // A regular texture is continued by whole lattice steps, its courses aligned (lattice.ts: the
  // periods object removal finds in a hole's ring, here the input's edge band, agreeing on one lattice).
  const lattice = detectLattice(req.rgb, w, h, rect);
  const filled = fillHole({ rgb: req.rgb, width: w, height: h, hole, dilate: 0, avoid: req.subject, subjectReach: subjectReach(rect), belonging: true, copySpan: copySpan(w, h), onResidual, lattice });
  const toned = matchFillTone(filled, w, h, rect, toneRadius(rect));
  const extended = blendExtension(toned, w, h, rect, 1, residual, !!lattice);
  // A tiling in phase already continues the input's edge: the band, which carries the edge row outward,
  // would only thicken a mortar line lying along it into a light frame (made walls, RMS error 1–10 px
  // out against the hidden wall 29–48 levels with the band, 13–18 without).
  return lattice ? extended : blendBorderBand(extended, w, h, rect, borderBand(rect));
}
