import { boxBlur } from '../box-blur.js';
import { knownMean } from './known-mean.js';
import { harmonicFill } from './membrane.js';
import { unmixBase } from './side-base.js';
import { holeDistance, inpaintPatchMatch, pushPull } from './patchmatch.js';
import type { Lattice } from './lattice.js';

/**
 * Hole filling as the engines use it: grow the mask a little (object edges, shadows and JPEG halos
 * sit just outside hand-drawn masks), inpaint only a crop around the hole, and feather the grown
 * ring so the fill meets the photo without a seam. Pixels outside the grown mask stay bit-exact.
 */
export interface FillRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** 1 byte per pixel, non-zero = fill. */
  hole: Uint8Array;
  /** Pixels the mask grows by; the ring between the mask and the grown mask is feathered. */
  dilate: number;
  searchPixelCap?: number;
  /** Optional subject mask (1 byte per pixel): see InpaintInput.avoid. */
  avoid?: Uint8Array;
  subjectReach?: number;
  /**
   * Box radius splitting the fill into base and detail: when set, the fill's smooth base comes from a
   * membrane across the hole (it meets every side of a closed hole) and only the detail above that
   * radius from the exemplar patches. Right for holes inside a photo; an out-paint margin has no far side.
   */
  detailRadius?: number;
  /** Judge PatchMatch's sources against the hole's ring (InpaintInput.belonging). */
  belonging?: boolean;
  /**
   * Called with PatchMatch's patch residual (InpaintInput.onResidual) over `box`, in the photo's
   * coordinates: where the fill is a coherent copy and where its vote averaged patches that disagree.
   */
  onResidual?: (residual: Float32Array, box: Box) => void;
  /** Bound on regions copied by one translation (InpaintInput.copySpan); absent = no bound. */
  copySpan?: number;
  /**
   * Continue regular textures aligned (InpaintInput.ringPeriods; object removal): where the patch fill
   * copies its side's period, it is kept as it is instead of being put on the membrane base.
   */
  ringPeriods?: boolean;
  /** A regular texture's repeat lattice (InpaintInput.lattice); absent = any offset. */
  lattice?: Lattice;
  /** Keep the growth ring's pixels that already look like the background (see settleRing). */
  settleRing?: boolean;
  /**
   * Write the result into `rgb` and return it, instead of a new buffer (issue 14: with `rgb` in shared
   * memory the result goes back to the main thread without a copy, and the worker holds no second photo).
   */
  inPlace?: boolean;
}

export function dilateMask(hole: Uint8Array, w: number, h: number, radius: number): { grown: Uint8Array; distToHole: Uint16Array } {
  const known = new Uint8Array(hole.length);
  for (let i = 0; i < hole.length; i++) known[i] = hole[i] ? 0 : 1;
  // Distance of every known pixel to the nearest hole pixel.
  const distToHole = holeDistance(known, w, h);
  const grown = new Uint8Array(hole.length);
  for (let i = 0; i < hole.length; i++) grown[i] = hole[i] || distToHole[i] <= radius ? 1 : 0;
  return { grown, distToHole };
}

/**
 * Detail gain deep inside a hole, and the distance (px) over which it falls to it from 1 at the border.
 * 0.7, was 0.5: once PatchMatch's pyramid reached deep enough to bring real structure into large holes
 * the halved detail read as a wash; 0.7 costs 0.06 dB of median hole PSNR on the quality bench and raises
 * its HF ratio 0.256 → 0.336 (0.8: −0.10 dB, 0.379; 1 costs ~0.7 dB on a large ellipse).
 */
const DETAIL_FAR = 0.7;
const DETAIL_NEAR = 6;
const DETAIL_LIMIT = 2;
/**
 * Patch residuals (RMS levels, see InpaintInput.onResidual): from UNSURE_RESIDUAL to twice it the
 * detail is damped by up to UNSURE_DAMPING. Measured at 512 px: brick's ellipse median 0.8 (p90 3),
 * bokeh 2.7 (p90 6), a face's 6.7 (p90 23). Keeping coherent copies whole (their low frequencies
 * instead of the membrane) was tried and dropped: coherent is not right (MS-SSIM 0.29 → 0.25 on messi5).
 */
const UNSURE_RESIDUAL = 6;
const UNSURE_DAMPING = 0.6;
/** 0 for a coherent patch fill (residual up to UNSURE_RESIDUAL), rising to 1 at twice it. */
function unsure(residual: number): number {
  return Math.min(1, Math.max(0, (residual - UNSURE_RESIDUAL) / UNSURE_RESIDUAL));
}
/** A ring pixel is unlike the background when it is off the membrane by more than this × the local texture RMS + levels. */
const RING_TEXTURE = 3;
const RING_LEVELS = 8;

export interface Box { x0: number; y0: number; x1: number; y1: number }

function bbox(mask: Uint8Array, w: number, h: number): Box | undefined {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Pixels the membrane's coarse grids are aligned to (see innerBox). */
const INNER_ALIGN = 64;

/**
 * The part of the crop the ring check and the membrane base work on: the hole's box plus `margin`, its
 * edges on multiples of INNER_ALIGN from the crop's corner so the membrane's first coarse grids are the
 * crop's own. Everything those steps compute for a hole pixel depends on pixels within `margin` of it
 * (box means) or on the hole's border (the membrane), so the crop's far context only cost memory: on a
 * 4096² photo with a large hole the crop is ~9 M pixels and the hole's neighbourhood ~1.5 M (issue 14).
 */
function innerBox(hole: Box, margin: number, cw: number, ch: number): Box {
  const down = (v: number) => Math.max(0, Math.floor(v / INNER_ALIGN) * INNER_ALIGN);
  const up = (v: number, max: number) => Math.min(max, Math.ceil(v / INNER_ALIGN) * INNER_ALIGN);
  return { x0: down(hole.x0 - margin), y0: down(hole.y0 - margin), x1: up(hole.x1 + margin, cw), y1: up(hole.y1 + margin, ch) };
}

/** The pixels of `src` (w wide, `channels` bytes each) inside `b`. */
function cut(src: Uint8Array, w: number, b: Box, channels: number): Uint8Array {
  const bw = b.x1 - b.x0;
  const out = new Uint8Array(bw * (b.y1 - b.y0) * channels);
  for (let y = b.y0; y < b.y1; y++) out.set(src.subarray((y * w + b.x0) * channels, (y * w + b.x1) * channels), (y - b.y0) * bw * channels);
  return out;
}

/** A one-channel plane over box `from` re-cut to box `to` (both in the same coordinates; 0 where `from` has nothing). */
function toBox(plane: Float32Array, from: Box, to: Box): Float32Array {
  const fw = from.x1 - from.x0, tw = to.x1 - to.x0;
  const out = new Float32Array(tw * (to.y1 - to.y0));
  for (let y = Math.max(from.y0, to.y0); y < Math.min(from.y1, to.y1); y++) {
    for (let x = Math.max(from.x0, to.x0); x < Math.min(from.x1, to.x1); x++) out[(y - to.y0) * tw + x - to.x0] = plane[(y - from.y0) * fw + x - from.x0];
  }
  return out;
}

/** Writes `part` (the pixels of `b`) back into `dst` (w wide). */
function paste(dst: Uint8Array, w: number, b: Box, channels: number, part: Uint8Array): void {
  const bw = b.x1 - b.x0;
  for (let y = b.y0; y < b.y1; y++) dst.set(part.subarray((y - b.y0) * bw * channels, (y - b.y0 + 1) * bw * channels), (y * w + b.x0) * channels);
}

export function fillHole(req: FillRequest): Uint8Array {
  const { width: w, height: h, rgb } = req;
  const userBox = bbox(req.hole, w, h);
  if (!userBox) return req.inPlace ? rgb : Uint8Array.from(rgb);
  // The grown mask's box: the user's box grown by `dilate` (chessboard growth).
  const box = { x0: Math.max(0, userBox.x0 - req.dilate), y0: Math.max(0, userBox.y0 - req.dilate), x1: Math.min(w, userBox.x1 + req.dilate), y1: Math.min(h, userBox.y1 + req.dilate) };

  // Context around the hole to copy texture from: proportional to the hole, never tiny.
  const holeSpan = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  const margin = Math.max(48, Math.round(holeSpan * 1.2));
  const cx0 = Math.max(0, box.x0 - margin), cy0 = Math.max(0, box.y0 - margin);
  const cx1 = Math.min(w, box.x1 + margin), cy1 = Math.min(h, box.y1 + margin);
  const cw = cx1 - cx0, ch = cy1 - cy0;
  const crop = new Uint8Array(cw * ch * 3);
  const cropAvoid = req.avoid ? new Uint8Array(cw * ch) : undefined;
  for (let y = 0; y < ch; y++) {
    const srow = ((y + cy0) * w + cx0) * 3;
    crop.set(rgb.subarray(srow, srow + cw * 3), y * cw * 3);
    if (cropAvoid && req.avoid) cropAvoid.set(req.avoid.subarray((y + cy0) * w + cx0, (y + cy0) * w + cx1), y * cw);
  }
  // Grown inside the grown mask's box only: it holds every hole pixel and the whole growth, so the
  // chessboard distances are the photo's (a full-size mask and distance map cost 50 MB at 4096²).
  const gb = { x0: box.x0 - cx0, y0: box.y0 - cy0, x1: box.x1 - cx0, y1: box.y1 - cy0 };
  const gbw = gb.x1 - gb.x0;
  // The user's mask, 0/1, over a box of the crop (no crop-sized copy is kept).
  const userIn = (b: Box) => {
    const part = cut(req.hole, w, { x0: b.x0 + cx0, y0: b.y0 + cy0, x1: b.x1 + cx0, y1: b.y1 + cy0 }, 1);
    for (let i = 0; i < part.length; i++) part[i] = part[i] ? 1 : 0;
    return part;
  };
  const grownBox = dilateMask(userIn(gb), gbw, gb.y1 - gb.y0, req.dilate);
  const cropHole = new Uint8Array(cw * ch);
  paste(cropHole, cw, gb, 1, grownBox.grown);
  const settled = !!req.settleRing && req.dilate > 0;
  // A settled ring has no feather, so the distances are only needed without settling.
  const distToHole = settled ? undefined : grownBox.distToHole;
  const inner = req.detailRadius || settled ? innerBox(gb, innerMargin(req), cw, ch) : undefined;
  if (settled && inner) {
    const iw = inner.x1 - inner.x0, ih = inner.y1 - inner.y0;
    paste(cropHole, cw, inner, 1, settleRing(cut(crop, cw, inner, 3), userIn(inner), cut(cropHole, cw, inner, 1), iw, ih, req.dilate));
  }
  // The membrane base reads the photo around the hole; PatchMatch then paints the crop in place.
  const original = req.detailRadius && inner ? cut(crop, cw, inner, 3) : undefined;
  // A closed hole with a membrane base (object removal) gets the deep pyramid; out-paint's frame does not.
  // The patch residual, in the inner box, tells the membrane base where the patch fill is unsure.
  let residual: Float32Array | undefined;
  let aligned: Float32Array | undefined;
  const onAligned = original && inner ? (a: Float32Array, b: Box) => { aligned = toBox(a, b, inner); } : undefined;
  const onResidual = (original && inner) || req.onResidual ? (r: Float32Array, b: Box) => {
    if (original && inner) residual = toBox(r, b, inner);
    req.onResidual?.(r, { x0: b.x0 + cx0, y0: b.y0 + cy0, x1: b.x1 + cx0, y1: b.y1 + cy0 });
  } : undefined;
  const painted = inpaintPatchMatch({ rgb: crop, width: cw, height: ch, hole: cropHole, searchPixelCap: req.searchPixelCap, avoid: cropAvoid, subjectReach: req.subjectReach, inPlace: true, deepPyramid: !!req.detailRadius, belonging: req.belonging, onResidual, copySpan: req.copySpan, lattice: req.lattice, ...(req.ringPeriods ? { ringPeriods: true, onAligned } : {}) });
  let filled: Uint8Array;
  if (original && req.detailRadius && inner) {
    const iw = inner.x1 - inner.x0, ih = inner.y1 - inner.y0;
    filled = painted;
    paste(filled, cw, inner, 3, membraneBase(cut(painted, cw, inner, 3), original, cut(cropHole, cw, inner, 1), iw, ih, req.detailRadius, residual, aligned));
  } else filled = removeSeams(painted, cropHole, cw, ch);

  const out = req.inPlace ? rgb : Uint8Array.from(rgb);
  const ring = req.dilate + 1;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const ci = y * cw + x;
      if (!cropHole[ci]) continue;
      const gi = (y + cy0) * w + x + cx0;
      // 1 inside the user's mask, falling to 0 at the grown mask's edge. A settled ring needs no
      // feather: what is left of it was judged not background (a halo must go entirely), and the
      // membrane base already meets the kept pixels around it.
      const a = req.hole[gi] || !distToHole ? 1 : 1 - distToHole[(y - gb.y0) * gbw + x - gb.x0] / ring;
      for (let c = 0; c < 3; c++) out[gi * 3 + c] = Math.round(a * filled[ci * 3 + c] + (1 - a) * rgb[gi * 3 + c]);
    }
  }
  return out;
}

/**
 * How far from the hole the ring check and the membrane base look: the ring's texture scale is a box
 * of 3·dilate over a radius-2 blur, the detail limit a box of 2·detailRadius over a detailRadius one.
 */
function innerMargin(req: FillRequest): number {
  return Math.max(3 * req.dilate + 2, 3 * (req.detailRadius ?? 0)) + 8;
}

/**
 * Membrane correction (a cheap stand-in for Poisson blending): the colour step between each hole
 * pixel on the border and its known neighbours is measured, spread smoothly over the whole hole,
 * and removed, so low-frequency mismatches (brightness, tint) leave no visible edge.
 */
export function removeSeams(rgb: Uint8Array, hole: Uint8Array, w: number, h: number): Uint8Array {
  const err = new Float32Array(w * h * 3);
  const atBorder = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!hole[p]) continue;
      let n = 0;
      const acc = [0, 0, 0];
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const q = yy * w + xx;
        if (hole[q]) continue;
        for (let c = 0; c < 3; c++) acc[c] += rgb[3 * q + c] - rgb[3 * p + c];
        n++;
      }
      if (n === 0) continue;
      atBorder[p] = 1;
      // Half the step: texture noise across the border is legitimate, a constant offset is not.
      for (let c = 0; c < 3; c++) err[3 * p + c] = (0.5 * acc[c]) / n;
    }
  }
  const smooth = pushPull(err, atBorder, w, h, 3);
  const out = Uint8Array.from(rgb);
  for (let p = 0; p < w * h; p++) {
    if (!hole[p]) continue;
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.max(0, Math.min(255, Math.round(rgb[3 * p + c] + smooth[3 * p + c])));
  }
  return out;
}

function knownOutside(mask: Uint8Array): Uint8Array {
  const known = new Uint8Array(mask.length);
  for (let i = 0; i < known.length; i++) known[i] = mask[i] ? 0 : 1;
  return known;
}

/** The membrane (harmonic fill) of `rgb` over the pixels `known` does not mark, from everything outside them. */
export function membraneOf(rgb: Uint8Array, known: Uint8Array, w: number, h: number): Float32Array {
  return harmonicFill(Float32Array.from(rgb), known, w, h, 3);
}

/** Per pixel, the mean squared difference (over RGB) of `rgb` to its box mean of radius 2 over known pixels. */
function textureEnergy(rgb: Uint8Array, known: Uint8Array, w: number, h: number): Float32Array {
  const values = Float32Array.from(rgb);
  return meanSquaredRgbDiff(values, knownMean(values, known, w, h, 3, 2), known);
}

/** Squared RMS (over RGB) of each ring pixel's difference to the membrane predicted from outside the grown mask. */
function ringDeviation(rgb: Uint8Array, known: Uint8Array, ring: Uint8Array, w: number, h: number): Float32Array {
  return meanSquaredRgbDiff(rgb, membraneOf(rgb, known, w, h), ring);
}

/** Mean over RGB of (a - b)² at the pixels `where` marks, 0 elsewhere. */
function meanSquaredRgbDiff(a: ArrayLike<number>, b: Float32Array, where: Uint8Array): Float32Array {
  const out = new Float32Array(where.length);
  for (let p = 0; p < where.length; p++) {
    if (!where[p]) continue;
    let e = 0;
    for (let c = 0; c < 3; c++) e += (a[3 * p + c] - b[3 * p + c]) ** 2;
    out[p] = e / 3;
  }
  return out;
}

/**
 * Decides which pixels of the growth ring really need replacing. The ring exists because hand-drawn
 * masks miss an object's soft edge, shadow or JPEG halo; but where the ring already looks like the
 * background it holds the best information there is about the hole's border, and replacing it throws
 * that away. A ring pixel is kept when it, and every ring pixel within the ring's width of it, differs
 * from the membrane predicted from outside the ring by no more than the local texture explains (texture
 * RMS × RING_TEXTURE + RING_LEVELS); otherwise it is replaced, and so is every ring pixel inside a
 * replaced one (a halo is replaced from its outer side inward, never left as an island). Checked on
 * messi5's ball with masks 2–4 px too tight: no yellow rim or tint is left, where the feathered ring
 * kept a visible rim.
 */
export function settleRing(rgb: Uint8Array, user: Uint8Array, grown: Uint8Array, w: number, h: number, dilate: number): Uint8Array {
  const known = knownOutside(grown);
  const ring = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) ring[p] = grown[p] && !user[p] ? 1 : 0;
  // Each step in a helper, so its float planes are let go before the next allocates (issue 14).
  const dev2 = ringDeviation(rgb, known, ring, w, h);
  // Local texture scale: RMS of the known pixels around their own small blur.
  const scale = knownMean(textureEnergy(rgb, known, w, h), known, w, h, 1, Math.max(4, 3 * dilate));
  const bad = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) if (ring[p] && Math.sqrt(dev2[p]) > RING_TEXTURE * Math.sqrt(scale[p]) + RING_LEVELS) bad[p] = 1;
  // An unlike pixel condemns the ring around it as far as the ring is wide: a halo is a band along the
  // object's edge, and keeping its mildest pixels would leave a tinted outline and tint the membrane.
  const badNear = boxBlur(bad, w, h, 1, dilate);
  const notUser = new Uint8Array(w * h);
  for (let i = 0; i < notUser.length; i++) notUser[i] = user[i] ? 0 : 1;
  const dist = holeDistance(notUser, w, h);
  const out = Uint8Array.from(user);
  for (let k = dilate; k >= 1; k--) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (!ring[p] || dist[p] !== k) continue;
        let replace = badNear[p] > 1e-4;
        for (let dy = -1; dy <= 1 && !replace; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            const q = yy * w + xx;
            if (ring[q] && dist[q] === k + 1 && out[q]) { replace = true; break; }
          }
        }
        if (replace) out[p] = 1;
      }
    }
  }
  return out;
}

/** Per known pixel, the mean squared difference (over RGB) of `rgb` to its box mean of `radius` over known pixels. */
function detailEnergy(rgb: Uint8Array, known: Uint8Array, w: number, h: number, radius: number): Float32Array {
  const values = Float32Array.from(rgb);
  const mean = knownMean(values, known, w, h, 3, radius);
  const r2 = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) {
    if (!known[p]) continue;
    for (let c = 0; c < 3; c++) r2[p] += (values[3 * p + c] - mean[3 * p + c]) ** 2 / 3;
  }
  return r2;
}

/**
 * The mean squared detail (above a box of `radius`) of the known pixels around each pixel (a box of
 * 2·radius), carried smoothly across the unknown ones: what the nearest border says the detail is.
 */
export function spreadDetailEnergy(rgb: Uint8Array, known: Uint8Array, w: number, h: number, radius: number): Float32Array {
  return pushPull(knownMean(detailEnergy(rgb, known, w, h, radius), known, w, h, 1, 2 * radius), known, w, h, 1);
}

/**
 * How much detail a hole pixel may receive: DETAIL_LIMIT times the RMS detail (at the same box radius)
 * of the known pixels around the hole, spread smoothly across it. Patch fills stitch copies together,
 * and on smooth content (a sky, a gradient) a stitch's step would otherwise come back as "detail";
 * on texture the real detail is that large anyway and passes.
 */
function detailLimit(rgb: Uint8Array, known: Uint8Array, w: number, h: number, radius: number): Float32Array {
  const local = spreadDetailEnergy(rgb, known, w, h, radius);
  const limit = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) limit[p] = DETAIL_LIMIT * Math.sqrt(local[p]) + 1;
  return limit;
}

/**
 * Structure from the membrane, texture from the patches: hole pixels become the harmonic interpolation
 * of the known surroundings plus the patch fill's own detail (fill minus its box blur). The base meets
 * the border on every side, so no seam correction is needed. The detail is kept whole next to the
 * border, where the patches overlap known pixels and continue them, and damped (DETAIL_FAR) deep inside, where a
 * copied texture is a guess: PSNR punishes confident wrong texture twice (the true texture is missing
 * and a false one added), a weaker one less, and the fill still reads as texture.
 */
export function membraneBase(painted: Uint8Array, original: Uint8Array, hole: Uint8Array, w: number, h: number, radius: number, residual?: Float32Array, aligned?: Float32Array): Uint8Array {
  const known = knownOutside(hole);
  // In this order, so the limit's scratch planes are let go before the membrane's and the detail's are made (issue 14).
  const limit = detailLimit(original, known, w, h, radius);
  const base = membraneOf(original, known, w, h);
  const fill = Float32Array.from(painted);
  const smooth = boxBlur(fill, w, h, 3, radius);
  const d = holeDistance(hole, w, h);
  // The patch residual over a patch's width: how sure the patch fill is around each pixel.
  const res = residual ? boxBlur(residual, w, h, 1, 3) : undefined;
  // Where the membrane mixes distinct sides into a colour the ring does not have, each pixel takes its own side's colour.
  unmixBase(base, original, known, d, w, h, radius);
  // Where the patches copy their side's period (a regular texture continued in step), the copy is the
  // structure: its rows and courses are kept whole instead of being washed onto the membrane (the
  // facade's window rows came back as a blurred white block). Spread over a patch width, so the switch
  // leaves no edge.
  const inStep = aligned ? boxBlur(aligned.map((v) => (v === 1 ? 1 : 0)), w, h, 1, radius) : undefined;
  const regular = aligned ? boxBlur(aligned.map((v) => (v > 0 ? 1 : 0)), w, h, 1, radius) : undefined;
  const out = Uint8Array.from(painted);
  for (let p = 0; p < w * h; p++) {
    if (!hole[p]) continue;
    let gain = DETAIL_FAR + (1 - DETAIL_FAR) * Math.exp(-(d[p] - 1) / DETAIL_NEAR);
    // Where the vote averaged patches that disagree (garble: hair strands across a face), less of the
    // patch detail is trusted: an unsure fill changes less.
    if (res) gain *= 1 - UNSURE_DAMPING * unsure(res[p]);
    // Where the side is regular but the copy is not in step with its period (a copy by the lattice's
    // other vector, or a blank panel), it is kept as far as it is coherent (patch residual).
    const keepAt = inStep && regular ? Math.max(inStep[p], regular[p] * (1 - unsure(res ? res[p] : Infinity))) : 0;
    let m2 = 0;
    for (let c = 0; c < 3; c++) m2 += (fill[3 * p + c] - smooth[3 * p + c]) ** 2;
    const m = Math.sqrt(m2 / 3);
    if (m * gain > limit[p]) gain = limit[p] / m;
    for (let c = 0; c < 3; c++) {
      const i = 3 * p + c;
      const composed = base[i] + gain * (fill[i] - smooth[i]);
      const v = inStep ? composed + keepAt * (fill[i] - composed) : composed;
      out[i] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}
