/**
 * Seeded standard-normal noise for the latents. A seed gives the same image on every run and
 * machine (Darkroom's seeds are its own: they do not reproduce torch's generator).
 */

/** splitmix32: a small, well-mixed 32-bit generator; every seed (0 included) gives a full-period stream. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** A stream of N(0, 1) values (Box–Muller on two uniforms in (0, 1]). */
export function gaussianStream(seed: number): (n: number) => Float32Array {
  const u = splitmix32(seed);
  return (n) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - u()));
      const a = 2 * Math.PI * u();
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  };
}
