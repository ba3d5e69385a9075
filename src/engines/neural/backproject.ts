/**
 * Back-projection: makes a super-resolved image consistent with the photo it came from. The
 * upscaled image is shrunk by an area average (how real photos get small), compared with the input,
 * and the difference is enlarged with a cubic kernel and added back, a few times. The network's
 * detail stays; what it got wrong at the input's own resolution (colour drift, softness, detail that
 * the input contradicts) is pulled back to the input. Do no harm: shrunk again, the result is the input.
 */

/** Keys' cubic (a = -0.5) weights of the 4 input taps for each of the S output phases, centres aligned. */
function cubicPhases(S: number): { offset: number; w: Float32Array }[] {
  const k = (x: number) => {
    const t = Math.abs(x);
    if (t < 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
    if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
    return 0;
  };
  return Array.from({ length: S }, (_, p) => {
    const centre = (p + 0.5) / S - 0.5;
    const first = Math.floor(centre) - 1;
    const w = new Float32Array(4);
    for (let t = 0; t < 4; t++) w[t] = k(first + t - centre);
    const sum = w.reduce((a, b) => a + b, 0);
    for (let t = 0; t < 4; t++) w[t] /= sum;
    return { offset: first, w };
  });
}

/** Enlarges a float image (C channels interleaved) by an integer factor with a centre-aligned cubic kernel. */
export function cubicUpscale(src: Float32Array, w: number, h: number, C: number, S: number): Float32Array {
  const phases = cubicPhases(S);
  const W = w * S;
  const H = h * S;
  // For every output column (row): its 4 clamped source indices and weights.
  const taps = (n: number, N: number) => {
    const idx = new Int32Array(N * 4);
    const wt = new Float32Array(N * 4);
    for (let X = 0; X < N; X++) {
      const x = Math.floor(X / S);
      const p = phases[X - x * S];
      for (let t = 0; t < 4; t++) {
        const i = x + p.offset + t;
        idx[X * 4 + t] = i < 0 ? 0 : i >= n ? n - 1 : i;
        wt[X * 4 + t] = p.w[t];
      }
    }
    return { idx, wt };
  };
  const tx = taps(w, W);
  const ty = taps(h, H);
  const mid = new Float32Array(W * h * C);
  for (let y = 0; y < h; y++) {
    const srcRow = y * w * C;
    const midRow = y * W * C;
    for (let X = 0; X < W; X++) {
      const k = X * 4;
      const a0 = srcRow + tx.idx[k] * C, a1 = srcRow + tx.idx[k + 1] * C, a2 = srcRow + tx.idx[k + 2] * C, a3 = srcRow + tx.idx[k + 3] * C;
      const w0 = tx.wt[k], w1 = tx.wt[k + 1], w2 = tx.wt[k + 2], w3 = tx.wt[k + 3];
      for (let c = 0; c < C; c++) mid[midRow + X * C + c] = src[a0 + c] * w0 + src[a1 + c] * w1 + src[a2 + c] * w2 + src[a3 + c] * w3;
    }
  }
  const out = new Float32Array(W * H * C);
  const rowLen = W * C;
  for (let Y = 0; Y < H; Y++) {
    const k = Y * 4;
    const r0 = ty.idx[k] * rowLen, r1 = ty.idx[k + 1] * rowLen, r2 = ty.idx[k + 2] * rowLen, r3 = ty.idx[k + 3] * rowLen;
    const w0 = ty.wt[k], w1 = ty.wt[k + 1], w2 = ty.wt[k + 2], w3 = ty.wt[k + 3];
    const o = Y * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = mid[r0 + i] * w0 + mid[r1 + i] * w1 + mid[r2 + i] * w2 + mid[r3 + i] * w3;
  }
  return out;
}

/** Mean of each S×S block (a true area average) of a float image. */
export function areaDownscale(src: Float32Array, W: number, H: number, C: number, S: number): Float32Array {
  const w = Math.floor(W / S);
  const h = Math.floor(H / S);
  const out = new Float32Array(w * h * C);
  const inv = 1 / (S * S);
  for (let y = 0; y < h; y++) {
    for (let j = 0; j < S; j++) {
      const row = (y * S + j) * W * C;
      for (let x = 0; x < w; x++) {
        for (let i = 0; i < S; i++) {
          const s = row + (x * S + i) * C;
          for (let c = 0; c < C; c++) out[(y * w + x) * C + c] += src[s + c];
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/** Measured on area- and bicubic-shrunk photos: 3 rounds take most of the gain, more add little. */
export const BACK_PROJECTION_ROUNDS = 3;

/**
 * Corrects `up` (S× the size of `input`, both RGB bytes) in place so its area-average shrink matches
 * `input`, with `iterations` rounds of residual back-projection.
 */
export function backProject(up: Float32Array, input: Uint8Array, w: number, h: number, S: number, iterations = BACK_PROJECTION_ROUNDS): Float32Array {
  const C = 3;
  const W = w * S;
  const H = h * S;
  for (let it = 0; it < iterations; it++) {
    const small = areaDownscale(up, W, H, C, S);
    for (let i = 0; i < small.length; i++) small[i] = input[i] - small[i];
    const fix = cubicUpscale(small, w, h, C, S);
    for (let i = 0; i < up.length; i++) up[i] += fix[i];
  }
  return up;
}

/**
 * The `keep` rectangle (input pixels) of an upscaled tile `W` pixels wide, rounded to RGB bytes: the
 * tile's context was only there so the model and the back-projection saw real neighbours.
 */
export function keptBytes(up: Float32Array, W: number, keep: { x: number; y: number; w: number; h: number }, S: number): Uint8Array {
  const kw = keep.w * S;
  const kh = keep.h * S;
  const kept = new Uint8Array(kw * kh * 3);
  for (let y = 0; y < kh; y++) {
    const from = ((keep.y * S + y) * W + keep.x * S) * 3;
    for (let i = 0; i < kw * 3; i++) {
      const v = up[from + i];
      kept[y * kw * 3 + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return kept;
}
