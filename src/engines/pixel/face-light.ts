/**
 * Face-aware touch on top of the global relighting: a face that is still darker than a pleasant
 * skin level gets extra, softly feathered gain inside an ellipse around its box. Runs in a worker.
 */
export interface FaceLiftRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
  boxes: [number, number, number, number][];
  /** Mean face luminance (0..255) the lift aims for. */
  target?: number;
  maxGain?: number;
  /** Lift `rgb` itself instead of a copy (the engine's shared buffer). */
  inPlace?: boolean;
}

export function liftFaces(req: FaceLiftRequest): Uint8Array {
  const { rgb, width: w, height: h } = req;
  const target = req.target ?? 120;
  const maxGain = req.maxGain ?? 1.6;
  const out = req.inPlace ? rgb : Uint8Array.from(rgb);
  for (const [x1, y1, x2, y2] of req.boxes) {
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    const bw = Math.max(1, x2 - x1), bh = Math.max(1, y2 - y1);
    // Inner face (the central part of the box): skin, not hair or background.
    let sum = 0, n = 0;
    for (let y = Math.max(0, Math.round(cy - bh * 0.3)); y < Math.min(h, Math.round(cy + bh * 0.3)); y++) {
      for (let x = Math.max(0, Math.round(cx - bw * 0.3)); x < Math.min(w, Math.round(cx + bw * 0.3)); x++) {
        const o = 3 * (y * w + x);
        sum += 0.299 * out[o] + 0.587 * out[o + 1] + 0.114 * out[o + 2];
        n++;
      }
    }
    if (n === 0) continue;
    const mean = sum / n;
    if (mean >= target) continue;
    const k = Math.min(maxGain, target / Math.max(mean, 1));
    // Ellipse 1.5x the box, weight 1 in its inner half, smoothstep to 0 at its edge.
    const rx = bw * 0.75, ry = bh * 0.85;
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(h, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(w, Math.ceil(cx + rx)); x++) {
        const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
        if (d >= 1) continue;
        const t = Math.min(1, Math.max(0, (1 - d) / 0.5));
        const wgt = t * t * (3 - 2 * t);
        const o = 3 * (y * w + x);
        const peak = Math.max(out[o], out[o + 1], out[o + 2], 1);
        // Never past the soft knee below white.
        const g = Math.min(1 + (k - 1) * wgt, Math.max(1, 247 / peak));
        for (let c = 0; c < 3; c++) out[o + c] = Math.min(255, Math.round(out[o + c] * g));
      }
    }
  }
  return out;
}
