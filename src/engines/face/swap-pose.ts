/**
 * A reference turned further than the target shows its far side foreshortened (and often behind hair
 * or the nose). Stretching that side over the target's visible one smears it into skin. Instead the far
 * side is drawn from the reference's near side, mirrored: the reference's image is flipped and each
 * mesh point takes its mirror partner's position (MIRROR), so the target's far half receives the
 * reference's near half. Light and tone are matched afterwards by the swap's low-frequency transfer.
 */
import type { FaceInfo } from './analysis.js';
import { FACE_OVAL, LEFT_EYE_OUTER, NOSE_WHOLE, RIGHT_EYE_OUTER } from './mesh-regions.js';
import { MIDLINE, MIRROR } from './mesh-symmetry.js';
import { convexHull, dilate, fillPolygon, softenCentred, type Point } from './raster.js';
import type { RgbImage } from './warp.js';

export const POSE_SETTINGS = {
  /**
   * The reference's share of the face width on one side of its nose bridge, divided by the target's
   * share on the same side: below this, that side of the reference is too foreshortened to use (0.72 ≈
   * a reference turned ~20° further than the target).
   */
  farSideRatio: 0.72,
  /** Soft seam along the midline where the mirrored half meets the direct one, as a share of the face width. */
  seamOfWidth: 0.04,
};

export type Side = 'right' | 'left';

/** The subject's-left share of the face width, measured along the eye line from the nose bridge (168) to the outline (234 / 454). */
function leftShare(mesh: readonly Point[]): number {
  const [a, b] = [mesh[RIGHT_EYE_OUTER], mesh[LEFT_EYE_OUTER]];
  const len = Math.max(1e-6, Math.hypot(b[0] - a[0], b[1] - a[1]));
  const u: Point = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
  const along = (p: Point) => p[0] * u[0] + p[1] * u[1];
  const mid = along(mesh[168]);
  const left = Math.max(0, along(mesh[454]) - mid), right = Math.max(0, mid - along(mesh[234]));
  return left / Math.max(1e-6, left + right);
}

/** The side of the reference (subject's) that is hidden relative to the target, if any. */
export function hiddenSide(ref: FaceInfo, target: FaceInfo): Side | undefined {
  const r = leftShare(ref.mesh), t = leftShare(target.mesh);
  if (r / Math.max(1e-6, t) < POSE_SETTINGS.farSideRatio) return 'left';
  if ((1 - r) / Math.max(1e-6, 1 - t) < POSE_SETTINGS.farSideRatio) return 'right';
  return undefined;
}

/** The reference flipped left–right, with source points that give each point its mirror partner's pixels. */
export function mirroredReference(ref: RgbImage, refMesh: readonly Point[], count: number): { image: RgbImage; points: Point[] } {
  const { width: w, height: h, data } = ref;
  const flipped = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3, d = (y * w + (w - 1 - x)) * 3;
      flipped[d] = data[s];
      flipped[d + 1] = data[s + 1];
      flipped[d + 2] = data[s + 2];
    }
  }
  const points = Array.from({ length: count }, (_, i) => [w - 1 - refMesh[MIRROR[i]][0], refMesh[MIRROR[i]][1]] as Point);
  return { image: { data: flipped, width: w, height: h, channels: 3 }, points };
}

/** 0..255: the subject's `side` half of a face (outline to midline), with a soft seam along the midline. */
export function halfFaceMask(mesh: readonly Point[], side: Side, w: number, h: number, faceWidth: number): Uint8Array {
  const chin = FACE_OVAL.indexOf(152);
  // The oval runs from the forehead top (10) over the subject's left (454) to the chin (152), then up the right.
  const outline = side === 'left' ? FACE_OVAL.slice(0, chin + 1) : [...FACE_OVAL.slice(chin), FACE_OVAL[0]];
  const back = side === 'left' ? [...MIDLINE].reverse() : MIDLINE;
  // The outline is pushed out a little so the half reaches past the blend's rim.
  const centre = mesh[168];
  const poly = [...outline.map((i) => [centre[0] + (mesh[i][0] - centre[0]) * 1.3, centre[1] + (mesh[i][1] - centre[1]) * 1.3] as Point), ...back.slice(1, -1).map((i) => mesh[i])];
  const m = new Uint8Array(w * h);
  fillPolygon(m, w, h, poly);
  return softenCentred(m, w, h, Math.max(1, faceWidth * POSE_SETTINGS.seamOfWidth));
}

/**
 * 0..255: how much of the mirrored reference to take, per pixel — the subject's `side` half of the face
 * but not its nose. The nose stays the reference's own (foreshortened, it is still one nose): drawn from
 * two halves, a turned reference's near flank mirrored beside its own ridge shows as a second ridge or a
 * dark line down the side of the nose.
 */
export function mirroredShare(mesh: readonly Point[], side: Side, w: number, h: number, faceWidth: number): Uint8Array {
  const half = halfFaceMask(mesh, side, w, h, faceWidth);
  const nose = new Uint8Array(w * h);
  fillPolygon(nose, w, h, convexHull(NOSE_WHOLE.map((i) => mesh[i])));
  const own = softenCentred(dilate(nose, w, h, Math.max(1, Math.round(faceWidth * 0.02))), w, h, Math.max(1, faceWidth * 0.03));
  for (let i = 0; i < half.length; i++) half[i] = Math.round((half[i] * (255 - own[i])) / 255);
  return half;
}
