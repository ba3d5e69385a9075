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
}

/** Mean over a (2r+1)² window, clamped at the borders (running sums, O(1) per pixel). */
export function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
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
  return out;
}

/** He et al.'s guided filter: smooths `p` while following the edges of `guide`. */
export function guidedFilter(guide: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number): Float32Array {
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
  const ma = boxMean(a, w, h, r);
  const mb = boxMean(b, w, h, r);
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = ma[i] * guide[i] + mb[i];
  return q;
}

export function relight(req: RelightRequest): Uint8Array {
  const { rgb, width: w, height: h } = req;
  const gamma = req.gamma ?? 0.5;
  const maxGain = req.maxGain ?? 6;
  const n = w * h;
  const lum = new Float32Array(n);
  const bright = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    bright[i] = Math.max(r, g, b) / 255;
    lum[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  const radius = Math.max(4, Math.round(Math.min(w, h) * 0.03));
  // The illumination is smooth inside objects and follows their outlines.
  const illum = guidedFilter(bright, bright, w, h, radius, 0.02);
  // Per-channel edge-preserving denoise, mixed in where the gain is high.
  const chans = [0, 1, 2].map((c) => {
    const ch = new Float32Array(n);
    for (let i = 0; i < n; i++) ch[i] = rgb[3 * i + c] / 255;
    return { raw: ch, smooth: guidedFilter(lum, ch, w, h, 2, 0.0015) };
  });
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.min(1, Math.max(illum[i], bright[i] * 0.5, 1e-3));
    let gain = Math.min(maxGain, 1 / Math.pow(t, 1 - gamma));
    const denoise = Math.min(0.7, (gain - 1) / 4);
    let peak = 0;
    const v = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      v[c] = chans[c].raw[i] * (1 - denoise) + chans[c].smooth[i] * denoise;
      if (v[c] > peak) peak = v[c];
    }
    // Never push the brightest channel past a soft knee below white: highlights keep detail.
    if (peak * gain > 0.97) gain = Math.max(1, 0.97 / Math.max(peak, 1e-3));
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(v[c] * gain * 255)));
  }
  return out;
}
