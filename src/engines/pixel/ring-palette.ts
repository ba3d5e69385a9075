/**
 * The colours a hole's surroundings are made of, and how far a colour is from all of them. A membrane
 * across a large hole averages every side: between a red and a blue shirt stripe it is purple, between
 * a blue sky and a yellow wall brown. Such a colour is near none of the ring's areas, though the ring's
 * thin borders between areas hold a few pixels of it; so the palette keeps only the ring's body colours
 * (a colour many ring pixels are close to), and a base colour far from all of them is a mixture.
 */
import { rgbToLab } from '../lab.js';

/** Quantisation of Lab for counting (units): colours closer than this are one. */
const CELL = 4;
/** A colour is a body colour when this share of the ring lies within BODY_RADIUS (ΔE76) of it. */
const BODY_SHARE = 0.01;
const BODY_RADIUS = 5;

/** Body colours of the pixels `ring` marks (Lab triples, flat), as ringPalette finds them. */
export function ringPalette(rgb: Uint8Array, ring: Uint8Array): Float32Array {
  let count = 0;
  for (let p = 0; p < ring.length; p++) if (ring[p]) count++;
  const px = new Uint8Array(count * 3);
  for (let p = 0, k = 0; p < ring.length; p++) if (ring[p]) px.set(rgb.subarray(3 * p, 3 * p + 3), 3 * k++);
  const lab = rgbToLab(px, 3, count);
  const cells = new Map<number, [number, number, number, number]>();
  for (let k = 0; k < count; k++) {
    const L = lab[3 * k], A = lab[3 * k + 1], B = lab[3 * k + 2];
    const key = (Math.round(L / CELL) * 100 + Math.round(A / CELL) + 50) * 100 + Math.round(B / CELL) + 50;
    const c = cells.get(key);
    if (c) { c[0] += L; c[1] += A; c[2] += B; c[3]++; } else cells.set(key, [L, A, B, 1]);
  }
  const centres = [...cells.values()].map(([L, A, B, n]) => [L / n, A / n, B / n, n]);
  const body: number[] = [];
  const r2 = BODY_RADIUS ** 2;
  for (const [L, A, B] of centres) {
    let near = 0;
    for (const [l, a, b, n] of centres) if ((L - l) ** 2 + (A - a) ** 2 + (B - b) ** 2 <= r2) near += n;
    if (near >= BODY_SHARE * count) body.push(L, A, B);
  }
  return Float32Array.from(body);
}

/** At the pixels `where` marks, the ΔE76 of `rgb` to the nearest palette colour (Infinity with an empty palette); 0 elsewhere. */
export function paletteDistance(rgb: Uint8Array, where: Uint8Array, palette: Float32Array): Float32Array {
  const pixels = where.length;
  const lab = rgbToLab(rgb, 3, pixels);
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    if (!where[p]) continue;
    let best = Infinity;
    for (let k = 0; k < palette.length; k += 3) {
      const d = (lab[3 * p] - palette[k]) ** 2 + (lab[3 * p + 1] - palette[k + 1]) ** 2 + (lab[3 * p + 2] - palette[k + 2]) ** 2;
      if (d < best) best = d;
    }
    out[p] = Math.sqrt(best);
  }
  return out;
}
