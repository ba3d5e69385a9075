import { FACE_OVAL } from '../../face/mesh-regions.js';
import { dilate, fillPolygon, type Point } from '../../face/raster.js';

/**
 * Hair-region masks from a face mesh (468-point MediaPipe topology) and a person matte. No hair
 * segmentation model ships for Node, so the hair is "the person, around the head, outside the face
 * oval", then shaped per feature. All masks are one byte per pixel, 0 or 255.
 */

export type HairFeature = 'hair-style' | 'hair-ext' | 'hair-bang' | 'hair-vol';

const FOREHEAD_TOP = 10;
const CHIN = 152;
const CHEEK_RIGHT = 234;
const CHEEK_LEFT = 454;
const BROWS = [105, 334, 66, 296];

interface XY {
  x: number;
  y: number;
}

export interface FaceGeometry {
  oval: Point[];
  top: XY;
  chin: XY;
  cx: number;
  faceW: number;
  faceH: number;
  browY: number;
}

export function faceGeometry(mesh: readonly Point[]): FaceGeometry {
  const at = (i: number): XY => ({ x: mesh[i][0], y: mesh[i][1] });
  const top = at(FOREHEAD_TOP);
  const chin = at(CHIN);
  const r = at(CHEEK_RIGHT);
  const l = at(CHEEK_LEFT);
  return {
    oval: FACE_OVAL.map((i) => mesh[i]),
    top,
    chin,
    cx: (r.x + l.x) / 2,
    faceW: Math.hypot(l.x - r.x, l.y - r.y),
    faceH: Math.hypot(chin.x - top.x, chin.y - top.y),
    browY: BROWS.reduce((s, i) => s + mesh[i][1], 0) / BROWS.length,
  };
}

/** Whole pixels, at least one (the raster helpers take integer radii). */
const px = (v: number) => Math.max(1, Math.round(v));

/** Keep pixels where `keep(x, y)` holds. */
function where(mask: Uint8Array, width: number, keep: (x: number, y: number) => boolean): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) if (mask[i] && keep(i % width, (i / width) | 0)) out[i] = 255;
  return out;
}

function minus(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] && !b[i] ? 255 : 0;
  return out;
}

function union(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] || b[i] ? 255 : 0;
  return out;
}

export interface HairMasks {
  /** The face oval (excluded from every hair mask except the bang band above the brows). */
  face: Uint8Array;
  /** The person's current hair, as well as matte + geometry can tell. */
  hair: Uint8Array;
  /** The region the feature repaints. */
  target: Uint8Array;
}

/**
 * `matte` is the person matte (0..255); `mesh` the face mesh in pixels.
 * - hair-style: the whole hair, grown a little so a new cut can change the outline;
 * - hair-ext: from the eyes down to the shoulders beside the face and neck, plus the lower hair;
 * - hair-bang: a forehead band from above the hairline to the brows, between the temples;
 * - hair-vol: the hair outline dilated outwards.
 */
export function hairMasks(feature: HairFeature, matte: Uint8Array, mesh: readonly Point[], width: number, height: number): HairMasks {
  const g = faceGeometry(mesh);
  const face = new Uint8Array(width * height);
  fillPolygon(face, width, height, g.oval);
  const person = new Uint8Array(matte.length);
  for (let i = 0; i < matte.length; i++) person[i] = matte[i] >= 128 ? 255 : 0;

  const hairTop = g.top.y - 0.9 * g.faceH;
  const hairBottom = g.chin.y - 0.15 * g.faceH;
  const headZone = (x: number, y: number) => y >= hairTop && y <= hairBottom && Math.abs(x - g.cx) <= 1.1 * g.faceW;
  const faceGrown = dilate(face, width, height, px(0.02 * g.faceW));
  const hair = minus(where(person, width, headZone), faceGrown);

  let target: Uint8Array;
  switch (feature) {
    case 'hair-style':
      target = minus(where(dilate(hair, width, height, px(0.08 * g.faceW)), width, (x, y) => y <= hairBottom), faceGrown);
      break;
    case 'hair-vol':
      target = minus(where(dilate(hair, width, height, px(0.14 * g.faceW)), width, (x, y) => y <= hairBottom), faceGrown);
      break;
    case 'hair-ext': {
      const eyeY = g.browY + 0.12 * g.faceH;
      const shoulders = g.chin.y + 0.9 * g.faceH;
      const band = new Uint8Array(width * height).fill(255);
      const zone = where(band, width, (x, y) => {
        const dx = Math.abs(x - g.cx);
        if (y < eyeY || y > shoulders) return false;
        // Hair falls outwards: the zone widens from the temples at eye level to past the shoulders.
        const t = (y - eyeY) / Math.max(1, shoulders - eyeY);
        if (dx > (0.75 + 0.55 * t) * g.faceW) return false;
        // Leave the front of the neck: extensions fall beside and behind it.
        return !(y > g.chin.y - 0.05 * g.faceH && dx < 0.3 * g.faceW);
      });
      const lowerHair = where(hair, width, (x, y) => y >= g.browY);
      target = minus(union(zone, lowerHair), faceGrown);
      break;
    }
    case 'hair-bang': {
      const bandTop = g.top.y - 0.12 * g.faceH;
      const bandBottom = g.browY + 0.02 * g.faceH;
      const head = union(face, hair);
      target = where(head, width, (x, y) => y >= bandTop && y <= bandBottom && Math.abs(x - g.cx) <= 0.45 * g.faceW);
      break;
    }
  }
  return { face, hair, target };
}
