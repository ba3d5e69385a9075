/**
 * Harmonic (membrane) interpolation of unknown pixels: the smoothest surface that meets every known
 * pixel around a hole (Laplace's equation with the known pixels as boundary values). Unlike push-pull
 * it reproduces a linear gradient exactly and has no pyramid kinks, so it is the well-posed low-frequency
 * guess for a closed hole: it only ever interpolates what the borders say.
 */
import { pushPull, sampleHalfScale } from './patchmatch.js';

/** Over-relaxed Gauss-Seidel sweeps over the unknown pixels (4-neighbour Laplacian, image edges free). */
function relax(v: Float32Array, w: number, h: number, ch: number, iters: number, omega: number, list: Int32Array): void {
  for (let it = 0; it < iters; it++) {
    // Red-black order converges as well as lexicographic order and has no directional drift.
    for (let colour = 0; colour < 2; colour++) {
      for (const p of list) {
        const x = p % w, y = (p - x) / w;
        if (((x + y) & 1) !== colour) continue;
        let n = 0;
        const l = x > 0, r = x < w - 1, u = y > 0, d = y < h - 1;
        n = (l ? 1 : 0) + (r ? 1 : 0) + (u ? 1 : 0) + (d ? 1 : 0);
        if (n === 0) continue;
        for (let c = 0; c < ch; c++) {
          let s = 0;
          if (l) s += v[(p - 1) * ch + c];
          if (r) s += v[(p + 1) * ch + c];
          if (u) s += v[(p - w) * ch + c];
          if (d) s += v[(p + w) * ch + c];
          const i = p * ch + c;
          v[i] += omega * (s / n - v[i]);
        }
      }
    }
  }
}

/**
 * Cascadic multigrid: the problem is solved at half resolution first (known pixels there are the mean
 * of their known children), upsampled as the starting guess, and relaxed at each finer level, so the
 * cost stays linear in the hole's area whatever its width.
 */
export function harmonicFill(values: Float32Array, known: Uint8Array, w: number, h: number, ch: number, iters = 40): Float32Array {
  let unknown = 0;
  for (let i = 0; i < w * h; i++) if (!known[i]) unknown++;
  if (unknown === 0) return Float32Array.from(values);
  const list = new Int32Array(unknown);
  for (let i = 0, k = 0; i < w * h; i++) if (!known[i]) list[k++] = i;
  let init: Float32Array;
  if (w >= 16 && h >= 16 && list.length > 64) {
    const cw = (w + 1) >> 1, chh = (h + 1) >> 1;
    const cv = new Float32Array(cw * chh * ch);
    const ck = new Uint8Array(cw * chh);
    const acc = new Float64Array(ch);
    for (let y = 0; y < chh; y++) {
      for (let x = 0; x < cw; x++) {
        acc.fill(0);
        let n = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
          const xx = 2 * x + dx, yy = 2 * y + dy;
          if (xx >= w || yy >= h) continue;
          const i = yy * w + xx;
          if (!known[i]) continue;
          for (let c = 0; c < ch; c++) acc[c] += values[i * ch + c];
          n++;
        }
        const o = y * cw + x;
        // A coarse pixel is known only if all its children are: the coarse boundary stays on the known side.
        const children = (Math.min(2, w - 2 * x)) * (Math.min(2, h - 2 * y));
        if (n === children) {
          ck[o] = 1;
          for (let c = 0; c < ch; c++) cv[o * ch + c] = acc[c] / n;
        }
      }
    }
    let anyKnown = false;
    for (let i = 0; i < ck.length && !anyKnown; i++) anyKnown = ck[i] === 1;
    if (anyKnown) {
      // Coarse unknowns touching a known child still need a start value: the push-pull guess.
      const coarse = harmonicFill(pushPull(cv, ck, cw, chh, ch), ck, cw, chh, ch, iters);
      init = Float32Array.from(values);
      for (const p of list) {
        const x = p % w;
        sampleHalfScale(coarse, cw, chh, ch, x, (p - x) / w, init, p * ch);
      }
    } else init = pushPull(values, known, w, h, ch);
  } else init = pushPull(values, known, w, h, ch);
  relax(init, w, h, ch, iters, 1.6, list);
  return init;
}
