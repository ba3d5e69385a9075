/**
 * Low-light and back-light correction after LIME (Guo et al., "Low-light image enhancement via
 * illumination map estimation"): the illumination of each pixel is estimated as the brightest of its
 * channels, smoothed with an edge-preserving guided filter (edges stay sharp, so no halos), gamma
 * compressed, and divided out. Gains are capped (noise), dark areas are denoised in proportion to
 * their gain, and no channel is pushed past white (highlights keep their detail).
 */

export interface RelightRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Illumination gamma: lower brightens shadows more. */
  gamma?: number;
  maxGain?: number;
  /** Where to write the result (3 bytes a pixel); a new array when absent. */
  out?: Uint8Array;
}

/** Mean over a (2r+1)² window, clamped at the borders (running sums, O(1) per pixel). */
export function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  boxMeanInto(src, w, h, r, new Float32Array(w * h), out);
  return out;
}

/** boxMean into caller-owned planes (`tmp` and `out` distinct from `src`). */
function boxMeanInto(src: Float32Array, w: number, h: number, r: number, tmp: Float32Array, out: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let x = -r; x <= r; x++) s += src[row + Math.min(w - 1, Math.max(0, x))];
    for (let x = 0; x < w; x++) {
      tmp[row + x] = s / (2 * r + 1);
      s += src[row + Math.min(w - 1, x + r + 1)] - src[row + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = -r; y <= r; y++) s += tmp[Math.min(h - 1, Math.max(0, y)) * w + x];
    for (let y = 0; y < h; y++) {
      out[y * w + x] = s / (2 * r + 1);
      s += tmp[Math.min(h - 1, y + r + 1) * w + x] - tmp[Math.max(0, y - r) * w + x];
    }
  }
}

/** He et al.'s guided filter: smooths `p` while following the edges of `guide`. */
export function guidedFilter(guide: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number): Float32Array {
  const { ma, mb } = guidedCoefficients(guide, p, w, h, r, eps);
  const q = new Float32Array(w * h);
  for (let i = 0; i < q.length; i++) q[i] = ma[i] * guide[i] + mb[i];
  return q;
}

/** The guided filter's smoothed linear coefficients: the output is `ma * guide + mb`. */
function guidedCoefficients(guide: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number): { ma: Float32Array; mb: Float32Array } {
  const n = w * h;
  const meanI = boxMean(guide, w, h, r);
  const meanP = boxMean(p, w, h, r);
  const ip = new Float32Array(n);
  const ii = new Float32Array(n);
  for (let i = 0; i < n; i++) { ip[i] = guide[i] * p[i]; ii[i] = guide[i] * guide[i]; }
  const meanIP = boxMean(ip, w, h, r);
  const meanII = boxMean(ii, w, h, r);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cov = meanIP[i] - meanI[i] * meanP[i];
    const v = meanII[i] - meanI[i] * meanI[i];
    a[i] = cov / (v + eps);
    b[i] = meanP[i] - a[i] * meanI[i];
  }
  return { ma: boxMean(a, w, h, r), mb: boxMean(b, w, h, r) };
}

/**
 * Long side of the grid the illumination's filter coefficients are computed on. The illumination is
 * smooth by construction, so its coefficients are too (He & Sun, "Fast guided filter"): they are
 * upsampled and applied with the full-size guide, which keeps the edges. A 4096² photo needs 16 MB of
 * float planes here instead of a dozen 64 MB ones.
 */
const ILLUM_SIDE = 1024;
/** Rows relit at a time: the denoise filter runs per band, so its planes stay a few MB. */
const BAND = 256;
/** The denoise filter's radius; a band reads 2 radii of rows beyond each edge, so its rows come out exact. */
const DENOISE_R = 2;

/**
 * The denoise filter's planes for one band, allocated once per photo and reused by every band: fresh
 * multi-MB arrays per band cost page faults (and an mmap each under the server's malloc settings,
 * bin/darkroom.js), which doubled the time. Same arithmetic as guidedFilter(lum, channel, ...), with
 * the guide's means shared by the three channels.
 */
class BandDenoise {
  readonly lum: Float32Array;
  readonly chans: Float32Array[];
  readonly smooth: Float32Array[];
  private readonly planes: Float32Array[];

  constructor(capacity: number) {
    const plane = () => new Float32Array(capacity);
    this.lum = plane();
    this.chans = [plane(), plane(), plane()];
    this.smooth = [plane(), plane(), plane()];
    // meanI, meanII, meanP, prod, meanIP, a, b, tmp
    this.planes = Array.from({ length: 8 }, plane);
  }

  /** Fills `smooth` for the first `w * h` values of `lum` and `chans`. */
  run(w: number, h: number, r: number, eps: number): void {
    const n = w * h;
    const [meanI, meanII, meanP, prod, meanIP, a, b, tmp] = this.planes.map((p) => p.subarray(0, n));
    const lum = this.lum.subarray(0, n);
    boxMeanInto(lum, w, h, r, tmp, meanI);
    for (let i = 0; i < n; i++) prod[i] = lum[i] * lum[i];
    boxMeanInto(prod, w, h, r, tmp, meanII);
    for (let c = 0; c < 3; c++) {
      const ch = this.chans[c].subarray(0, n), q = this.smooth[c];
      boxMeanInto(ch, w, h, r, tmp, meanP);
      for (let i = 0; i < n; i++) prod[i] = lum[i] * ch[i];
      boxMeanInto(prod, w, h, r, tmp, meanIP);
      for (let i = 0; i < n; i++) {
        const cov = meanIP[i] - meanI[i] * meanP[i];
        const v = meanII[i] - meanI[i] * meanI[i];
        a[i] = cov / (v + eps);
        b[i] = meanP[i] - a[i] * meanI[i];
      }
      // meanIP and meanP are free again: they take the smoothed coefficients.
      boxMeanInto(a, w, h, r, tmp, meanIP);
      boxMeanInto(b, w, h, r, tmp, meanP);
      for (let i = 0; i < n; i++) q[i] = meanIP[i] * lum[i] + meanP[i];
    }
  }
}

/** Illumination filter coefficients on a grid `s` times coarser, from the block means of the brightest channel. */
function illuminationGrid(rgb: Uint8Array, w: number, h: number, radius: number): { ma: Float32Array; mb: Float32Array; s: number; lw: number; lh: number } {
  const s = Math.max(1, Math.ceil(Math.max(w, h) / ILLUM_SIDE));
  const lw = Math.ceil(w / s), lh = Math.ceil(h / s);
  const low = new Float32Array(lw * lh);
  const count = new Float32Array(lw * lh);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / s) * lw;
    for (let x = 0; x < w; x++) {
      const o = 3 * (y * w + x);
      const k = row + Math.floor(x / s);
      low[k] += Math.max(rgb[o], rgb[o + 1], rgb[o + 2]) / 255;
      count[k]++;
    }
  }
  for (let k = 0; k < low.length; k++) low[k] /= count[k];
  const { ma, mb } = guidedCoefficients(low, low, lw, lh, Math.max(1, Math.round(radius / s)), 0.02);
  return { ma, mb, s, lw, lh };
}

export function relight(req: RelightRequest): Uint8Array {
  const { rgb, width: w, height: h } = req;
  const gamma = req.gamma ?? 0.5;
  const maxGain = req.maxGain ?? 6;
  const radius = Math.max(4, Math.round(Math.min(w, h) * 0.03));
  // The illumination is smooth inside objects and follows their outlines.
  const { ma, mb, s, lw, lh } = illuminationGrid(rgb, w, h, radius);
  // Bilinear weights of the coarse grid for each column (block centres sit at (s-1)/2 within a block).
  const x0 = new Int32Array(w), x1 = new Int32Array(w), fx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const u = Math.min(lw - 1, Math.max(0, (x - (s - 1) / 2) / s));
    x0[x] = Math.floor(u);
    x1[x] = Math.min(lw - 1, x0[x] + 1);
    fx[x] = u - x0[x];
  }
  const out = req.out ?? new Uint8Array(3 * w * h);
  const halo = 2 * DENOISE_R;
  const band = new BandDenoise(w * Math.min(h, BAND + 2 * halo));
  const { lum, chans, smooth } = band;
  for (let top = 0; top < h; top += BAND) {
    const bottom = Math.min(h, top + BAND);
    const y0 = Math.max(0, top - halo), y1 = Math.min(h, bottom + halo);
    const bh = y1 - y0, bn = w * bh;
    for (let i = 0; i < bn; i++) {
      const o = 3 * (y0 * w + i);
      const r = rgb[o], g = rgb[o + 1], b = rgb[o + 2];
      lum[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
      chans[0][i] = r / 255;
      chans[1][i] = g / 255;
      chans[2][i] = b / 255;
    }
    // Per-channel edge-preserving denoise, mixed in where the gain is high.
    band.run(w, bh, DENOISE_R, 0.0015);
    const v = [0, 0, 0];
    for (let y = top; y < bottom; y++) {
      const u = Math.min(lh - 1, Math.max(0, (y - (s - 1) / 2) / s));
      const r0 = Math.floor(u) * lw, r1 = Math.min(lh - 1, Math.floor(u) + 1) * lw, fy = u - Math.floor(u);
      for (let x = 0; x < w; x++) {
        const i = y * w + x, bi = i - y0 * w;
        const a0 = x0[x], a1 = x1[x], f = fx[x];
        const A = (ma[r0 + a0] * (1 - f) + ma[r0 + a1] * f) * (1 - fy) + (ma[r1 + a0] * (1 - f) + ma[r1 + a1] * f) * fy;
        const B = (mb[r0 + a0] * (1 - f) + mb[r0 + a1] * f) * (1 - fy) + (mb[r1 + a0] * (1 - f) + mb[r1 + a1] * f) * fy;
        const bright = Math.fround(Math.max(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) / 255);
        const illum = Math.fround(A * bright + B);
        const t = Math.min(1, Math.max(illum, bright * 0.5, 1e-3));
        let gain = Math.min(maxGain, 1 / Math.pow(t, 1 - gamma));
        const denoise = Math.min(0.7, (gain - 1) / 4);
        let peak = 0;
        for (let c = 0; c < 3; c++) {
          v[c] = chans[c][bi] * (1 - denoise) + smooth[c][bi] * denoise;
          if (v[c] > peak) peak = v[c];
        }
        // Never push the brightest channel past a soft knee below white: highlights keep detail.
        if (peak * gain > 0.97) gain = Math.max(1, 0.97 / Math.max(peak, 1e-3));
        for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(v[c] * gain * 255)));
      }
    }
  }
  return out;
}
