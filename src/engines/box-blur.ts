/** Mean over a (2r+1)² box, separable running sums, edges clamped. */
export function boxBlur(src: Float32Array, w: number, h: number, ch: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const pass = (from: Float32Array, to: Float32Array, n: number, lines: number, at: (line: number, k: number) => number) => {
    const acc = new Float64Array(ch);
    for (let line = 0; line < lines; line++) {
      acc.fill(0);
      for (let k = -r; k <= r; k++) { const i = at(line, Math.min(n - 1, Math.max(0, k))); for (let c = 0; c < ch; c++) acc[c] += from[i * ch + c]; }
      for (let k = 0; k < n; k++) {
        const o = at(line, k);
        for (let c = 0; c < ch; c++) to[o * ch + c] = acc[c] / (2 * r + 1);
        const add = at(line, Math.min(n - 1, k + r + 1)), sub = at(line, Math.max(0, k - r));
        for (let c = 0; c < ch; c++) acc[c] += from[add * ch + c] - from[sub * ch + c];
      }
    }
  };
  pass(src, tmp, w, h, (y, x) => y * w + x);
  pass(tmp, out, h, w, (x, y) => y * w + x);
  return out;
}
