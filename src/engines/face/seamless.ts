/**
 * Seamless (Poisson) cloning. Pasting `source` with its own gradients into `target` over a region is
 * the same as adding to the source a correction f that is harmonic inside the region and equals
 * target − source on the region's outer rim. f is smooth, so it is solved coarse-to-fine: a small
 * grid converges in few sweeps and each finer level only polishes the upsampled guess.
 */

const OUTSIDE = 0, KNOWN = 1, UNKNOWN = 2;

interface Level {
  w: number;
  h: number;
  type: Uint8Array;
  f: Float32Array; // 3 values per cell
}

function coarsen(l: Level): Level {
  const w = Math.ceil(l.w / 2), h = Math.ceil(l.h / 2);
  const type = new Uint8Array(w * h);
  const f = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let known = 0, unknown = 0;
      const acc = [0, 0, 0];
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * x + dx, fy = 2 * y + dy;
          if (fx >= l.w || fy >= l.h) continue;
          const i = fy * l.w + fx;
          if (l.type[i] === KNOWN) {
            known++;
            for (let c = 0; c < 3; c++) acc[c] += l.f[i * 3 + c];
          } else if (l.type[i] === UNKNOWN) unknown++;
        }
      }
      const o = y * w + x;
      if (known) {
        type[o] = KNOWN;
        for (let c = 0; c < 3; c++) f[o * 3 + c] = acc[c] / known;
      } else if (unknown) type[o] = UNKNOWN;
    }
  }
  return { w, h, type, f };
}

function relax(l: Level, sweeps: number, omega = 1.8): void {
  const { w, h, type, f } = l;
  for (let s = 0; s < sweeps; s++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (type[i] !== UNKNOWN) continue;
        let n = 0, a0 = 0, a1 = 0, a2 = 0;
        const add = (j: number) => {
          if (type[j] === OUTSIDE) return;
          n++;
          a0 += f[j * 3]; a1 += f[j * 3 + 1]; a2 += f[j * 3 + 2];
        };
        if (x > 0) add(i - 1);
        if (x < w - 1) add(i + 1);
        if (y > 0) add(i - w);
        if (y < h - 1) add(i + w);
        if (!n) continue;
        const k = i * 3;
        f[k] += omega * (a0 / n - f[k]);
        f[k + 1] += omega * (a1 / n - f[k + 1]);
        f[k + 2] += omega * (a2 / n - f[k + 2]);
      }
    }
  }
}

function solve(l: Level): void {
  if (Math.max(l.w, l.h) <= 24) {
    // Start from the rim's mean so the coarsest solve converges quickly.
    const mean = [0, 0, 0];
    let k = 0;
    for (let i = 0; i < l.type.length; i++) if (l.type[i] === KNOWN) { k++; for (let c = 0; c < 3; c++) mean[c] += l.f[i * 3 + c]; }
    for (let i = 0; i < l.type.length; i++) if (l.type[i] === UNKNOWN) for (let c = 0; c < 3; c++) l.f[i * 3 + c] = k ? mean[c] / k : 0;
    relax(l, 300);
    return;
  }
  const coarse = coarsen(l);
  solve(coarse);
  for (let y = 0; y < l.h; y++) {
    for (let x = 0; x < l.w; x++) {
      const i = y * l.w + x;
      if (l.type[i] !== UNKNOWN) continue;
      const j = (y >> 1) * coarse.w + (x >> 1);
      for (let c = 0; c < 3; c++) l.f[i * 3 + c] = coarse.f[j * 3 + c];
    }
  }
  relax(l, 40);
}

/**
 * Returns `target` with `region` (hard mask, nonzero = inside) replaced by the source's detail,
 * shifted so that colours meet the target at the region's rim. Both images are RGB of one size; the
 * source must be valid on the region and one pixel around it. Pixels outside the region are copied.
 * `maxRimDifference` caps the rim condition per channel, limiting how far outliers there can bleed in.
 */
export function seamlessClone(target: Uint8Array, source: Uint8Array, region: Uint8Array, width: number, height: number, maxRimDifference = 255): Uint8Array {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!region[y * width + x]) continue;
      if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
  }
  const out = Uint8Array.from(target);
  if (x1 < 0) return out;
  x0 = Math.max(0, x0 - 1); y0 = Math.max(0, y0 - 1); x1 = Math.min(width - 1, x1 + 1); y1 = Math.min(height - 1, y1 + 1);
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const level: Level = { w, h, type: new Uint8Array(w * h), f: new Float32Array(w * h * 3) };
  const inRegion = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && region[y * width + x] !== 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = x + x0, gy = y + y0;
      const i = y * w + x;
      if (inRegion(gx, gy)) {
        // The image border counts as rim too: a region touching it still gets a boundary condition.
        const onBorder = gx === 0 || gy === 0 || gx === width - 1 || gy === height - 1;
        level.type[i] = onBorder ? KNOWN : UNKNOWN;
      } else if (inRegion(gx - 1, gy) || inRegion(gx + 1, gy) || inRegion(gx, gy - 1) || inRegion(gx, gy + 1)) {
        level.type[i] = KNOWN;
      }
      if (level.type[i] === KNOWN) {
        const p = (gy * width + gx) * 3;
        for (let c = 0; c < 3; c++) level.f[i * 3 + c] = Math.max(-maxRimDifference, Math.min(maxRimDifference, target[p + c] - source[p + c]));
      }
    }
  }
  solve(level);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (level.type[i] !== UNKNOWN) continue;
      const p = ((y + y0) * width + (x + x0)) * 3;
      for (let c = 0; c < 3; c++) {
        const v = source[p + c] + level.f[i * 3 + c];
        out[p + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
  return out;
}
