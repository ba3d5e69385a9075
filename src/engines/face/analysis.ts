/**
 * Face analysis shared by every face feature and by the hair helpers: one model pass (in a pool
 * worker) gives boxes, the 478-point mesh, head pose and the body's shoulders; rule checks turn that
 * into the source document's error codes; region masks are drawn from the mesh.
 */
import sharp from 'sharp';
import type { FaceRules } from '../../features/table.js';
import type { WorkerPool } from '../engine.js';
import { EngineError, isEngineError, TaskAbortedError } from '../errors.js';
import type { RawImage } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import type { RawDetection } from './human-kernel.js';
import * as M from './mesh-regions.js';
import { featherInside, fillDisk, fillPolygon, subtractMask, type Point } from './raster.js';

export interface FaceInfo {
  /** x1, y1, x2, y2 in source pixels. */
  box: [number, number, number, number];
  width: number;
  /** Degrees. */
  pitch: number;
  yaw: number;
  roll: number;
  /** 478 points in source pixels. */
  mesh: [number, number][];
  score: number;
}

export interface FaceAnalysis {
  /** Ordered left to right. */
  faces: FaceInfo[];
  persons: number;
  shouldersVisible: boolean;
}

export type FaceRegion = 'oval' | 'lips' | 'eyes' | 'brows' | 'skin' | 'cheeks' | 'forehead';

/**
 * Every threshold of the analysis in one place. Feature-specific limits (face width, angles, one
 * person) come from `FaceRules` in the feature table; these decide what counts as a face or a person.
 */
export const ANALYSIS_THRESHOLDS = {
  /** Detector confidence below which a box is not a face. */
  minFaceScore: 0.5,
  /** A face narrower than this share of the largest one is a bystander far behind, not a second sitter. */
  personMinRelativeWidth: 0.35,
  /** Body keypoint confidence for a shoulder to count as visible. */
  minShoulderScore: 0.3,
  /** Points a usable mesh has (468 + 10 iris). */
  meshPoints: 478,
} as const;

export const HUMAN_KERNEL = kernelHandle<typeof import('./human-kernel.js')>(siblingModule(import.meta.url, 'human-kernel'));

const DEG = 180 / Math.PI;

export function toFaceAnalysis(raw: RawDetection, width: number, height: number): FaceAnalysis {
  const T = ANALYSIS_THRESHOLDS;
  const faces: FaceInfo[] = raw.faces
    .filter((f) => f.score >= T.minFaceScore)
    .map((f) => {
      const [x, y, w, h] = f.box;
      return {
        box: [x, y, x + w, y + h] as [number, number, number, number],
        width: w,
        pitch: f.angle.pitch * DEG,
        yaw: f.angle.yaw * DEG,
        roll: f.angle.roll * DEG,
        mesh: f.mesh,
        score: f.score,
      };
    })
    .sort((a, b) => a.box[0] + a.box[2] - (b.box[0] + b.box[2]));
  const widest = faces.reduce((m, f) => Math.max(m, f.width), 0);
  const persons = faces.filter((f) => f.width >= widest * T.personMinRelativeWidth).length;
  const inside = (p: [number, number]) => p[0] >= 0 && p[1] >= 0 && p[0] < width && p[1] < height;
  const shoulder = (part: string) => raw.body.find((k) => k.part === part && k.score >= T.minShoulderScore && inside(k.position));
  const l = shoulder('leftShoulder');
  const r = shoulder('rightShoulder');
  // Shoulders sit below the chin; a "shoulder" above the face is the pose model guessing on a crop.
  const chin = faces.length ? Math.max(...faces.map((f) => f.box[3])) - (faces[0].box[3] - faces[0].box[1]) * 0.2 : 0;
  const shouldersVisible = !!l && !!r && l.position[1] > chin && r.position[1] > chin;
  return { faces, persons, shouldersVisible };
}

/**
 * Longest side the face model is given. Its detector looks at 256 px and its mesh at 192-px crops,
 * so a bigger photo only costs memory: a 4096² photo left ~500 MB in the model's thread (the tfjs
 * WASM heap keeps its high-water mark). A face that fills 1/16 of a 4096-px photo's width still
 * reaches the mesh model at its full 192 px from 2048.
 */
export const DETECT_MAX_SIDE = 2048;

/** The photo as the model gets it: a copy (the caller keeps its buffer), shrunk to DETECT_MAX_SIDE. */
async function modelInput(image: RawImage): Promise<{ data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4; scale: [number, number] }> {
  const scale = Math.min(1, DETECT_MAX_SIDE / Math.max(image.width, image.height));
  if (scale === 1) return { data: new Uint8Array(image.data), width: image.width, height: image.height, channels: image.channels, scale: [1, 1] };
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const small = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
  // Copied into a plain ArrayBuffer: one that sharp's native side owns may not be transferable.
  return { data: new Uint8Array(small), width, height, channels: image.channels, scale: [width / image.width, height / image.height] };
}

/** Detections on the shrunk photo, in the photo's own pixels. */
function toSourcePixels(raw: RawDetection, [sx, sy]: [number, number]): RawDetection {
  if (sx === 1 && sy === 1) return raw;
  const up = ([x, y]: [number, number]): [number, number] => [x / sx, y / sy];
  return {
    faces: raw.faces.map((f) => {
      const [x, y, w, h] = f.box;
      return { ...f, box: [x / sx, y / sy, w / sx, h / sy], mesh: f.mesh.map(up) };
    }),
    body: raw.body.map((k) => ({ ...k, position: up(k.position) })),
  };
}

/** Detects faces, mesh, pose and shoulders. The model runs in a pool worker. */
export async function analyzeFaces(pool: WorkerPool, image: RawImage, signal?: AbortSignal): Promise<FaceAnalysis> {
  let raw: RawDetection;
  try {
    const { scale, ...input } = await modelInput(image);
    raw = toSourcePixels(await HUMAN_KERNEL.run(pool, 'detect', input, { signal, transferList: [input.data.buffer as ArrayBuffer] }), scale);
  } catch (e) {
    if (e instanceof TaskAbortedError || isEngineError(e)) throw e;
    throw new EngineError('error_inference', `face model failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return toFaceAnalysis(raw, image.width, image.height);
}

export interface FaceRuleOptions {
  /** Hair features need the shoulders in frame. */
  requireShoulders?: boolean;
}

function meshUsable(face: FaceInfo): boolean {
  return face.mesh.length >= ANALYSIS_THRESHOLDS.meshPoints && face.mesh.every((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
}

/** The limits table's bounds are strict: -10 < pitch < +10. */
const within = (v: number, [lo, hi]: [number, number]) => Number.isFinite(v) && v > lo && v < hi;

/** Applies a feature's face rules and returns the face to work on (the widest, when several are allowed). */
export function checkFaceRules(a: FaceAnalysis, rules: FaceRules, opts: FaceRuleOptions = {}): FaceInfo {
  if (a.faces.length === 0) throw new EngineError('error_no_face');
  if (rules.singlePerson && a.persons > 1) {
    throw new EngineError('error_multiple_people', `${a.persons} people detected; this feature needs exactly one person in the photo`);
  }
  const face = a.faces.reduce((best, f) => (f.width > best.width ? f : best));
  const angles: [string, number, [number, number]][] = [
    ['pitch', face.pitch, rules.pitch],
    ['yaw', face.yaw, rules.yaw],
    ['roll', face.roll, rules.roll],
  ];
  for (const [name, value, range] of angles) {
    if (!within(value, range)) {
      throw new EngineError('error_large_face_angle', `face ${name} is ${value.toFixed(1)}°; it must be between ${range[0]}° and ${range[1]}°`);
    }
  }
  // After the pose: a turned or tilted face measures narrower than it is.
  if (face.width < rules.minFaceWidth) {
    throw new EngineError('invalid_parameter', `the face is ${Math.round(face.width)} px wide; it must be at least ${rules.minFaceWidth} px wide`);
  }
  if (!meshUsable(face)) throw new EngineError('error_face_parsing', 'the face landmarks could not be located');
  if (opts.requireShoulders && !a.shouldersVisible) throw new EngineError('error_no_shoulder');
  return face;
}

const pts = (face: FaceInfo, idx: readonly number[]): Point[] => idx.map((i) => face.mesh[i]);
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Face width measured on the mesh (cheek to cheek), independent of the detector box. */
export function meshFaceWidth(face: FaceInfo): number {
  return dist(face.mesh[234], face.mesh[454]);
}

/** Hard (unfeathered) region mask, 0 or 255. */
export function hardRegionMask(face: FaceInfo, region: FaceRegion | 'eyeshadow' | 'swap', width: number, height: number): Uint8Array {
  if (!meshUsable(face)) throw new EngineError('error_face_parsing', 'the face landmarks could not be located');
  const m = new Uint8Array(width * height);
  const poly = (idx: readonly number[]) => fillPolygon(m, width, height, pts(face, idx));
  switch (region) {
    case 'oval':
      poly(M.FACE_OVAL);
      break;
    case 'swap':
      poly(M.SWAP_OUTLINE);
      break;
    case 'lips': {
      poly(M.LIPS_OUTER);
      const inner = new Uint8Array(width * height);
      fillPolygon(inner, width, height, pts(face, M.LIPS_INNER));
      subtractMask(m, inner);
      break;
    }
    case 'eyes':
      poly(M.RIGHT_EYE);
      poly(M.LEFT_EYE);
      break;
    case 'brows':
      poly(M.RIGHT_BROW);
      poly(M.LEFT_BROW);
      break;
    case 'eyeshadow': {
      poly(M.RIGHT_LID_TO_BROW);
      poly(M.LEFT_LID_TO_BROW);
      const cut = new Uint8Array(width * height);
      fillPolygon(cut, width, height, pts(face, M.RIGHT_BROW));
      fillPolygon(cut, width, height, pts(face, M.LEFT_BROW));
      fillPolygon(cut, width, height, pts(face, M.RIGHT_EYE));
      fillPolygon(cut, width, height, pts(face, M.LEFT_EYE));
      subtractMask(m, cut);
      break;
    }
    case 'forehead':
      poly(M.FOREHEAD);
      break;
    case 'cheeks': {
      const r = meshFaceWidth(face) * 0.13;
      for (const c of [M.RIGHT_CHEEK_CENTER, M.LEFT_CHEEK_CENTER]) fillDisk(m, width, height, face.mesh[c][0], face.mesh[c][1], r);
      const oval = new Uint8Array(width * height);
      fillPolygon(oval, width, height, pts(face, M.FACE_OVAL));
      for (let i = 0; i < m.length; i++) if (!oval[i]) m[i] = 0;
      break;
    }
    case 'skin': {
      poly(M.FACE_OVAL);
      const cut = new Uint8Array(width * height);
      for (const idx of [M.RIGHT_EYE, M.LEFT_EYE, M.RIGHT_BROW, M.LEFT_BROW, M.LIPS_OUTER]) fillPolygon(cut, width, height, pts(face, idx));
      subtractMask(m, cut);
      break;
    }
  }
  return m;
}

/**
 * A region of one face as a 1-channel 0..255 mask of the whole image. The soft edge (featherPx wide)
 * lies inside the region, so pixels outside it are exactly 0.
 */
export function regionMask(face: FaceInfo, region: FaceRegion, width: number, height: number, featherPx = 0): Buffer {
  const hard = hardRegionMask(face, region, width, height);
  if (!hard.some((v) => v > 0)) throw new EngineError('error_face_parsing', `the ${region} region of the face is empty`);
  // Thin regions (brows, lips on a small face) vanish under a wide inner feather: narrow it until at least half the region's weight is left.
  const mass = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
  const hardMass = mass(hard);
  let soft = hard;
  for (let px = featherPx; px >= 1; px /= 2) {
    const candidate = featherInside(hard, width, height, px);
    if (mass(candidate) >= hardMass / 2) {
      soft = candidate;
      break;
    }
  }
  return Buffer.from(soft.buffer, soft.byteOffset, soft.byteLength);
}
