/**
 * The face geometry a classical swap renders the reference into. Warping the reference exactly onto
 * the target's mesh keeps the target's proportions (brow height, nose length and width, where the
 * cheeks sit), which carry much of a face's identity. Here the target's eyes and mouth stay where they
 * are (the expression) and so does the face outline (the blend's rim), while the points between them
 * — brows, nose, cheeks — take the reference's proportions, measured after aligning the reference's
 * eyes and mouth onto the target's.
 */
import { fitSimilarity, applySimilarity } from './align.js';
import type { FaceInfo } from './analysis.js';
import { FACE_OVAL, LEFT_EYE, LEFT_EYE_OUTER, LIPS_INNER, LIPS_OUTER, MESH_POINTS_WITHOUT_IRIS, RIGHT_EYE, RIGHT_EYE_OUTER } from './mesh-regions.js';
import type { Point } from './raster.js';

export const SHAPE_SETTINGS = {
  /** How far the free points move toward the reference's proportions (0 = target's mesh, 1 = reference's). */
  strength: 0.8,
  /** Distance (share of face width) from the eyes and lips within which points stay the target's, and beyond which they move fully. */
  expressionClearance: [0.03, 0.1] as [number, number],
  /** The same for the face outline. */
  outlineClearance: [0.03, 0.1] as [number, number],
  /**
   * Share of the sideways (along the eye line) movement kept after removing the common sideways shift:
   * a turned reference shows its nose off-centre, which is pose, not shape.
   */
  sideways: 1,
  /**
   * A point moves at most this share of its distance to the nearest fixed point (eyes, lips, outline),
   * so no triangle folds over a feature (a pouting reference's narrow mouth would otherwise pull the
   * cheek points over a smiling target's lip corners and smear them).
   */
  maxMoveOfClearance: 0.5,
};

const EXPRESSION = [...new Set([...RIGHT_EYE, ...LEFT_EYE, ...LIPS_OUTER, ...LIPS_INNER])];

const smooth = (x: number, [a, b]: [number, number]) => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

function nearest(p: Point, set: readonly Point[]): number {
  let best = Infinity;
  for (const q of set) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
  return best;
}

/** The target's mesh (first 468 points) with its brows, nose and cheeks moved toward the reference's proportions. */
export function identityShape(target: FaceInfo, ref: FaceInfo, faceWidth: number): Point[] {
  const S = SHAPE_SETTINGS;
  const t = target.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const r = ref.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  if (S.strength <= 0) return t.map(([x, y]) => [x, y]);
  // The reference in the target's frame, aligned by the parts that stay: eyes and mouth.
  const m = fitSimilarity(EXPRESSION.map((i) => r[i]), EXPRESSION.map((i) => t[i]));
  const aligned = r.map((p) => applySimilarity(m, p));
  const fixedExpr = EXPRESSION.map((i) => t[i]);
  const fixedOval = FACE_OVAL.map((i) => t[i]);
  const exprSet = new Set(EXPRESSION);
  const clearance = t.map((p) => Math.min(nearest(p, fixedExpr), nearest(p, fixedOval)));
  const weights = t.map((p, i) => {
    if (exprSet.has(i)) return 0;
    return S.strength * smooth(nearest(p, fixedExpr) / faceWidth, S.expressionClearance) * smooth(nearest(p, fixedOval) / faceWidth, S.outlineClearance);
  });
  // Eye-line axis: sideways movement common to all moving points is the reference's pose; drop it.
  const [a, b] = [t[RIGHT_EYE_OUTER], t[LEFT_EYE_OUTER]];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
  let shift = 0, wsum = 0;
  weights.forEach((w, i) => {
    shift += w * ((aligned[i][0] - t[i][0]) * ux + (aligned[i][1] - t[i][1]) * uy);
    wsum += w;
  });
  shift = wsum > 0 ? shift / wsum : 0;
  return t.map((p, i) => {
    const w = weights[i];
    if (!w) return [p[0], p[1]];
    let dx = aligned[i][0] - p[0], dy = aligned[i][1] - p[1];
    const along = dx * ux + dy * uy;
    const keepAlong = (along - shift) * S.sideways;
    dx += (keepAlong - along) * ux;
    dy += (keepAlong - along) * uy;
    const move = w * Math.hypot(dx, dy), cap = S.maxMoveOfClearance * clearance[i];
    const k = move > cap ? cap / move : 1;
    return [p[0] + k * w * dx, p[1] + k * w * dy];
  });
}
