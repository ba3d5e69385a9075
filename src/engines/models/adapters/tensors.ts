/** Interleaved RGB bytes → planar float [3, n] with a per-channel affine map (v * scale + offset[c]). */
export function planarFloat(rgb: Uint8Array, n: number, map: (v: number, c: number) => number): Float32Array {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = map(rgb[3 * i + c], c);
  return out;
}

/** Planar [3, n] values → interleaved RGB bytes, mapping each value to 0..255 first. */
export function interleavedBytes(planes: ArrayLike<number>, n: number, map: (v: number) => number): Uint8Array {
  if (planes.length < 3 * n) throw new Error(`model returned ${planes.length} values, expected ${3 * n}`);
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(map(planes[c * n + i]))));
  return out;
}
