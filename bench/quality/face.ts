/**
 * Face swap and makeup transfer quality on the shared photos' faces (astronaut, portrait-julia,
 * messi5 and the faces of group-3 / group-4, each cropped into its own photo).
 *
 * Face swap, every ordered pair (target ← reference):
 * - identity: Human's face description embedding of the result's face must be closer (cosine) to the
 *   reference's than to the target's; the margin is sim(result, ref) − sim(result, target);
 * - expression: the result's mouth and eye landmarks against the target's, mean distance as a share
 *   of the face width (the target's expression and geometry must survive).
 * Baseline: a naive paste (the reference warped onto the target's mesh, alpha-blended inside the same
 * outline, no colour match and no gradient blending).
 *
 * Makeup: the reference is another face with lips, eye shadow and blush painted on; per region the
 * ΔE2000 of the result's mean colour to the reference's falls against the untouched source
 * (baseline: no-op), and pixels outside the face stay as they were.
 *
 * Engines run through the real engine code (createFeatureEngine, PNG output), as the tests do.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import type { EngineDeps, EngineFile, EngineJob } from '../../src/engines/engine.js';
import { hardRegionMask, HUMAN_KERNEL, meshFaceWidth, toFaceAnalysis, type FaceInfo } from '../../src/engines/face/analysis.js';
import type { DetectArgs } from '../../src/engines/face/human-kernel.js';
import { createFeatureEngine } from '../../src/engines/registry.js';
import { LEFT_EYE, LIPS_INNER, LIPS_OUTER, MESH_POINTS_WITHOUT_IRIS, RIGHT_EYE } from '../../src/engines/face/mesh-regions.js';
import { dilate, featherInside, type Point } from '../../src/engines/face/raster.js';
import { delaunay, warpPiecewiseAffine } from '../../src/engines/face/warp.js';
import { createWorkerPool } from '../../src/engines/runtime/pool.js';
import { decodeRgb, encodePng, loadPhoto, type Rgb } from './images.js';
import { deltaE2000, toLab } from './metrics.js';
import { writeSheet, type SheetRow } from './sheet.js';
import { artefactScore, displacedFeatures, swapArtefacts, type FeatureName, type SwapArtefacts } from '../../src/engines/face/swap-check.js';
import { identityShape } from '../../src/engines/face/shape.js';
import { hiddenSide, mirroredReference, mirroredShare } from '../../src/engines/face/swap-pose.js';
import { labStats } from '../../src/engines/lab.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { QualityFloor, QualityModule, QualityRow } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(here, '../../artifacts/quality-face');
/** Per-pair artefact scores of the swap before issue 22 (landmark-warp of issue 16), measured by this file: the baseline of the artefact floor. */
const BEFORE_SCORES = path.resolve(here, 'face-swap-artefacts-before.json');


/** Mean landmark error (share of face width) above which the target's expression counts as lost. */
const MAX_LANDMARK_ERROR = 0.03;
/** Head angles (degrees) up to which a face counts as usable for swap pairs. */
const USABLE_ANGLE = { yaw: 30, pitch: 30 };

export interface FacePhoto {
  name: string;
  img: Rgb;
  face: FaceInfo;
  embedding: number[];
}

interface Detected {
  face: FaceInfo;
  embedding: number[];
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

async function detectAll(deps: EngineDeps, img: Rgb): Promise<Detected[]> {
  const args: DetectArgs = { data: Uint8Array.from(img.data), width: img.width, height: img.height, channels: 3, describe: true };
  const raw = await HUMAN_KERNEL.run(deps.pool, 'detect', args);
  const analysis = toFaceAnalysis(raw, img.width, img.height);
  // toFaceAnalysis drops weak faces and sorts; find each kept face's embedding by its mesh.
  return analysis.faces.map((face) => ({ face, embedding: raw.faces.find((f) => f.mesh === face.mesh)?.embedding ?? [] }));
}

/** The detected face nearest to a known face position (the face the swap wrote into). */
function nearest(found: Detected[], to: FaceInfo): Detected | undefined {
  const centre = (f: FaceInfo) => [(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2];
  const [cx, cy] = centre(to);
  let best: Detected | undefined, bestD = Infinity;
  for (const d of found) {
    const [x, y] = centre(d.face);
    const dist = Math.hypot(x - cx, y - cy);
    if (dist < bestD) (best = d), (bestD = dist);
  }
  return best && bestD < meshFaceWidth(to) * 0.5 ? best : undefined;
}

/** Each face of a group photo as its own photo: a crop of three face widths around it. */
async function faceCrops(deps: EngineDeps, name: string): Promise<FacePhoto[]> {
  const full = await loadPhoto(name, 1920);
  const found = await detectAll(deps, full);
  const out: FacePhoto[] = [];
  for (const [i, d] of found.entries()) {
    const fw = meshFaceWidth(d.face);
    const cx = (d.face.box[0] + d.face.box[2]) / 2, cy = (d.face.box[1] + d.face.box[3]) / 2;
    const left = Math.max(0, Math.round(cx - fw * 1.5)), top = Math.max(0, Math.round(cy - fw * 1.6));
    const width = Math.min(full.width - left, Math.round(fw * 3)), height = Math.min(full.height - top, Math.round(fw * 3.4));
    const scale = Math.min(1, 512 / Math.max(width, height));
    const buf = await sharp(Buffer.from(full.data), { raw: { width: full.width, height: full.height, channels: 3 } })
      .extract({ left, top, width, height })
      .resize(Math.round(width * scale), Math.round(height * scale))
      .png()
      .toBuffer();
    const photo = await facePhoto(deps, `${name.replace(/\.\w+$/, '')}#${i}`, await decodeRgb(buf));
    if (photo) out.push(photo);
  }
  return out;
}

async function facePhoto(deps: EngineDeps, name: string, img: Rgb): Promise<FacePhoto | undefined> {
  const found = await detectAll(deps, img);
  const widest = found.reduce<Detected | undefined>((b, d) => (!b || d.face.width > b.face.width ? d : b), undefined);
  // Usable: a clear, fairly frontal face with an embedding, wide enough to be a swap reference (a
  // profile has no second eye or cheek to put anywhere).
  const usable = widest && widest.embedding.length > 0 && meshFaceWidth(widest.face) >= 48 && Math.abs(widest.face.yaw) <= USABLE_ANGLE.yaw && Math.abs(widest.face.pitch) <= USABLE_ANGLE.pitch;
  if (!usable) {
    console.error(`face quality: ${name} left out (${widest ? `yaw ${widest.face.yaw.toFixed(0)}°, pitch ${widest.face.pitch.toFixed(0)}°, width ${meshFaceWidth(widest.face).toFixed(0)} px` : 'no face'})`);
    return undefined;
  }
  return { name, img, face: widest.face, embedding: widest.embedding };
}

const file = (data: Buffer, name: string): EngineFile => ({ fileId: name, fileName: name, contentType: 'image/png', data });

async function runEngine(deps: EngineDeps, feature: 'face-swap' | 'mu-trans-rec', src: Rgb, ref: Rgb): Promise<{ image: Rgb; meta: unknown }> {
  const engine = createFeatureEngine(feature, deps);
  const job: EngineJob = { taskId: 'quality', feature, params: {}, outputExt: 'png', files: { src_ids: [file(await encodePng(src), 'src.png')], ref_ids: [file(await encodePng(ref), 'ref.png')] } };
  const [out] = await engine.run(job, { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log });
  return { image: await decodeRgb(out.data), meta: out.meta };
}

/**
 * The reference drawn on the target's mesh, or on `onto` (for the artefact measure: the target's mesh
 * with the reference's proportions, where the swap draws the reference's brows and nose — judged against
 * the reference warped elsewhere, a brow drawn where the swap means it to be reads as a mix of two).
 */
function warpedReference(target: FacePhoto, ref: FacePhoto, onto?: readonly Point[]): { rgb: Uint8Array; covered: Uint8Array } {
  const { width: w, height: h } = target.img;
  const dst = (onto ?? target.face.mesh).slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const src = ref.face.mesh.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  return warpPiecewiseAffine({ ...ref.img, channels: 3 }, src, dst, delaunay(dst), w, h);
}

/** Baseline: the reference warped onto the target's mesh and alpha-blended inside the swap outline. */
function naivePaste(target: FacePhoto, ref: FacePhoto): Rgb {
  const { width: w, height: h } = target.img;
  const { rgb, covered } = warpedReference(target, ref);
  const region = hardRegionMask(target.face, 'swap', w, h);
  for (let i = 0; i < region.length; i++) if (!covered[i]) region[i] = 0;
  const alpha = featherInside(region, w, h, Math.max(3, meshFaceWidth(target.face) * 0.08));
  const out = Uint8Array.from(target.img.data);
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] / 255;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(out[i * 3 + c] * (1 - a) + rgb[i * 3 + c] * a);
  }
  return { data: out, width: w, height: h };
}

const EXPRESSION_POINTS = [...LIPS_OUTER, ...LIPS_INNER, ...RIGHT_EYE, ...LEFT_EYE];

/** Mean distance of the mouth and eye landmarks, as a share of the target's face width. */
function landmarkError(result: FaceInfo, target: FaceInfo): number {
  const d = EXPRESSION_POINTS.reduce((s, i) => s + Math.hypot(result.mesh[i][0] - target.mesh[i][0], result.mesh[i][1] - target.mesh[i][1]), 0);
  return d / EXPRESSION_POINTS.length / meshFaceWidth(target);
}

interface SwapScore {
  simRef: number;
  simTarget: number;
  landmarkError: number;
  displaced: FeatureName[];
}

async function scoreSwap(deps: EngineDeps, result: Rgb, target: FacePhoto, ref: FacePhoto): Promise<SwapScore | undefined> {
  const found = nearest(await detectAll(deps, result), target.face);
  if (!found || found.embedding.length === 0) return undefined;
  return { simRef: cosine(found.embedding, ref.embedding), simTarget: cosine(found.embedding, target.embedding), landmarkError: landmarkError(found.face, target.face), displaced: displacedFeatures(found.face, identityShape(target.face, ref.face, meshFaceWidth(target.face)), meshFaceWidth(target.face)) };
}

/**
 * The reference with its far side drawn from its near side, mirrored (all but the nose), where
 * `hiddenSide` says it is turned away: the drawing the swap makes instead of stretching the hidden side.
 */
function mirroredDrawing(target: FacePhoto, ref: FacePhoto, onto: readonly Point[]): Uint8Array | undefined {
  const side = hiddenSide(ref.face, target.face);
  if (!side) return undefined;
  const { width: w, height: h } = target.img;
  const dst = onto.slice(0, MESH_POINTS_WITHOUT_IRIS) as Point[];
  const direct = warpedReference(target, ref, onto).rgb;
  const mirror = mirroredReference({ ...ref.img, channels: 3 }, ref.face.mesh, MESH_POINTS_WITHOUT_IRIS);
  const flipped = warpPiecewiseAffine(mirror.image, mirror.points, dst, delaunay(dst), w, h).rgb;
  const half = mirroredShare(dst, side, w, h, meshFaceWidth(target.face));
  return direct.map((v, k) => Math.round(v + ((flipped[k] - v) * half[Math.floor(k / 3)]) / 255));
}

/**
 * The artefacts of a result, judged against the reference drawn where the swap draws it: on the mesh
 * with the reference's proportions, and, when the swap says (its meta notes) that it drew a turned
 * reference's far side from its near side, with that side mirrored. Judged against the reference's own
 * far side instead, a correctly drawn mirrored eye reads as a mix of two eyes. A swap that never
 * mirrors (the pre-issue one) is judged against the reference's own pixels, as before.
 */
export function artefactsOf(result: Rgb, target: FacePhoto, ref: FacePhoto, mirrored = false): SwapArtefacts {
  const expected = identityShape(target.face, ref.face, meshFaceWidth(target.face));
  const reference = (mirrored && mirroredDrawing(target, ref, expected)) || warpedReference(target, ref, expected).rgb;
  return swapArtefacts({ target: target.img.data, reference, result: result.data, width: target.img.width, height: target.img.height, face: target.face, expected });
}

const photoOf = (face: FacePhoto) => face.name.replace(/#\d+$/, '');

/** A made-up version of a face: red lips, violet eye shadow and pink blush multiplied over the skin. */
function paintMakeup(img: Rgb, face: FaceInfo): Rgb {
  const out = Uint8Array.from(img.data);
  const { width: w, height: h } = img;
  const fw = meshFaceWidth(face);
  const paint = (mask: Uint8Array, colour: [number, number, number], opacity: number) => {
    for (let i = 0; i < mask.length; i++) {
      const a = (mask[i] / 255) * opacity;
      if (!a) continue;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(out[i * 3 + c] * (1 - a) + ((out[i * 3 + c] * colour[c]) / 255) * a);
    }
  };
  paint(featherInside(hardRegionMask(face, 'lips', w, h), w, h, Math.max(1, fw * 0.015)), [200, 20, 50], 0.85);
  paint(featherInside(hardRegionMask(face, 'cheeks', w, h), w, h, fw * 0.1), [255, 150, 170], 0.5);
  paint(featherInside(hardRegionMask(face, 'eyeshadow', w, h), w, h, Math.max(1, fw * 0.02)), [150, 90, 200], 0.6);
  return { data: out, width: w, height: h };
}

/** Mean Lab over a hard (0/255) mask; [0, 0, 0] when it is empty. */
function meanLab(img: Rgb, mask: Uint8Array): [number, number, number] {
  return labStats(toLab(img), mask).mean;
}

const deltaE = (p: ArrayLike<number>, q: ArrayLike<number>) => deltaE2000(p[0], p[1], p[2], q[0], q[1], q[2]);

/** Largest per-pixel ΔE2000 between two images over a mask. */
function maxDeltaE(a: Rgb, b: Rgb, mask: Uint8Array): number {
  const la = toLab(a), lb = toLab(b);
  let m = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) m = Math.max(m, deltaE(la.subarray(i * 3, i * 3 + 3), lb.subarray(i * 3, i * 3 + 3)));
  return m;
}

/** A square crop around a face (1.7 face widths), scaled to `size`, for looking at the result up close. */
async function faceZoom(img: Rgb, face: FaceInfo, size = 256): Promise<Buffer> {
  const fw = meshFaceWidth(face);
  const [cx, cy] = face.mesh[1];
  const side = Math.min(img.width, img.height, Math.round(fw * 1.7));
  const left = Math.max(0, Math.min(img.width - side, Math.round(cx - side / 2))), top = Math.max(0, Math.min(img.height - side, Math.round(cy - side / 2)));
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract({ left, top, width: side, height: side }).resize(size, size).png().toBuffer();
}

/** target | result | baseline | reference, zoomed on the faces, under artifacts/quality-face. */
async function saveZoom(name: string, parts: [Rgb, FaceInfo][]): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const tiles = await Promise.all(parts.map(([img, face]) => faceZoom(img, face)));
  await sharp({ create: { width: 256 * tiles.length, height: 256, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((input, i) => ({ input, left: i * 256, top: 0 })))
    .png()
    .toFile(path.join(ARTIFACTS, name.replace(/[#← ]+/g, '_')));
}


async function run(): Promise<QualityRow[]> {
  const deps: EngineDeps = { config: loadConfig({ dataDir: path.resolve(here, '../../data/bench-quality-face') }), log: pino({ level: 'silent' }), pool: createWorkerPool(1) };
  const rows: QualityRow[] = [];
  try {
    const faces: FacePhoto[] = [];
    for (const name of ['astronaut.png', 'portrait-julia.jpg', 'messi5.jpg']) {
      const p = await facePhoto(deps, name.replace(/\.\w+$/, ''), await loadPhoto(name, 768));
      if (p) faces.push(p);
    }
    for (const name of ['group-3.jpg', 'group-4.jpg']) faces.push(...(await faceCrops(deps, name)));
    // FACE_QUALITY_ONLY=astronaut,group-4#1 limits the run to those faces while iterating.
    const only = process.env.FACE_QUALITY_ONLY?.split(',');
    if (only) faces.splice(0, faces.length, ...faces.filter((f) => only.includes(f.name)));
    console.error(`face quality: ${faces.length} faces (${faces.map((f) => `${f.name} yaw ${f.face.yaw.toFixed(0)}° pitch ${f.face.pitch.toFixed(0)}°`).join(', ')})`);

    const sheets = new Map<string, SheetRow[]>();
    const before: Record<string, number> = existsSync(BEFORE_SCORES) ? JSON.parse(readFileSync(BEFORE_SCORES, 'utf8')) : {};
    const scores: Record<string, number> = {};
    const fallbacks: string[] = [];
    for (const target of faces) {
      for (const ref of faces) {
        if (ref === target) continue;
        const name = `${target.name} ← ${ref.name}`;
        const { image: result, meta } = await runEngine(deps, 'face-swap', target.img, ref.img);
        const paste = naivePaste(target, ref);
        const ours = await scoreSwap(deps, result, target, ref);
        const base = await scoreSwap(deps, paste, target, ref);
        const fellBack = JSON.stringify(meta ?? {}).includes('conservative');
        if (fellBack) fallbacks.push(name);
        const notes = (meta as { faces?: { notes: string[] }[] } | undefined)?.faces?.flatMap((f) => f.notes) ?? [];
        // A conservative result draws nothing of the reference: its notes about the full try do not apply.
        const art = artefactsOf(result, target, ref, !fellBack && notes.some((n) => n.includes('mirrored')));
        const score = artefactScore(art);
        scores[name] = score;
        if (notes.length) console.error(`${name}: ${notes.join('; ')}`);
        await saveZoom(`swap ${target.name} ← ${ref.name}.png`, [[target.img, target.face], [result, target.face], [paste, target.face], [ref.img, ref.face]]);
        const bad = art.features.filter((f) => f.verdict !== 'ok').map((f) => `${f.feature} ${f.verdict}`);
        const badMesh = ours?.displaced.map((f) => `${f} displaced`) ?? ['no face'];
        const figure = `artefacts ${score.toFixed(1)}${before[name] !== undefined ? ` (was ${before[name].toFixed(1)})` : ''}${ours ? `, margin ${(ours.simRef - ours.simTarget).toFixed(2)}` : ''}${fellBack ? ', conservative' : ''}`;
        const sheet = sheets.get(photoOf(target)) ?? [];
        sheets.set(photoOf(target), sheet);
        sheet.push({ label: `${name}${[...bad, ...badMesh].length ? ` · ${[...bad, ...badMesh].join(', ')}` : ''}`, tiles: [await faceZoom(target.img, target.face), await faceZoom(result, target.face), await faceZoom(ref.img, ref.face)], notes: [undefined, figure, undefined] });
        const row = (metric: string, d: number, b: number | undefined, better: 'higher' | 'lower', baselineName = 'naive paste (warp + alpha)'): QualityRow => ({ feature: 'face-swap', case: name, metric, darkroom: d, ...(b !== undefined ? { baseline: b, baselineName } : {}), better });
        rows.push(row('missing, doubled or displaced features', bad.length + badMesh.length, undefined, 'lower'));
        rows.push(row('artefact score (% face new edges + % off-tone skin + 10/feature)', score, before[name], 'lower', 'swap before issue 22'));
        rows.push(row('new-edge share of the face', art.newEdgeShare, undefined, 'lower'));
        rows.push(row('off-tone skin share (beyond the target)', art.skinOutlierShare, undefined, 'lower'));
        if (!ours) {
          rows.push({ feature: 'face-swap', case: name, metric: 'identity margin sim(result,ref)−sim(result,target)', darkroom: -1, better: 'higher', notes: 'no face found on the result' });
          continue;
        }
        rows.push(row('identity margin sim(result,ref)−sim(result,target)', ours.simRef - ours.simTarget, base && base.simRef - base.simTarget, 'higher'));
        rows.push(row('similarity(result, ref)', ours.simRef, base?.simRef, 'higher'));
        rows.push(row('similarity(result, target)', ours.simTarget, base?.simTarget, 'lower'));
        rows.push(row('mouth+eye landmark error / face width', ours.landmarkError, base?.landmarkError, 'lower'));
        console.error(`${name}: artefacts ${score.toFixed(1)}${before[name] !== undefined ? ` (before ${before[name].toFixed(1)})` : ''} [${[...bad, ...badMesh].join(', ')}]${fellBack ? ' conservative' : ''}, margin ${(ours.simRef - ours.simTarget).toFixed(3)} (paste ${base ? (base.simRef - base.simTarget).toFixed(3) : '–'}), landmarks ${(ours.landmarkError * 100).toFixed(2)} %`);
      }
    }
    const margins = rows.filter((r) => r.feature === 'face-swap' && r.metric.startsWith('identity margin'));
    console.error(`face quality: identity margin < 0 on ${margins.filter((r) => r.darkroom < 0).length} of ${margins.length} pairs (naive paste: ${margins.filter((r) => (r.baseline ?? 0) < 0).length}); conservative fallback on ${fallbacks.length}: ${fallbacks.join('; ')}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'face-swap-artefacts.json'), JSON.stringify(scores, null, 1));
    const compared = Object.keys(scores).filter((k) => before[k] !== undefined);
    if (compared.length) {
      const better = compared.filter((k) => scores[k] < before[k]).length;
      rows.push({ feature: 'face-swap', case: `${compared.length} pairs`, metric: 'share of pairs with a lower artefact score than before issue 22', darkroom: better / compared.length, better: 'higher' });
      console.error(`face quality: artefact score lower than before on ${better} of ${compared.length} pairs`);
    }
    for (const [photo, sheet] of sheets) await writeSheet(`face-swap-${photo}`, ['target', 'Darkroom', 'reference'], sheet, { maxWidth: 900, tileHeight: 256 });

    // Makeup: each face made up with the next face's painted look.
    const makeupSheet: SheetRow[] = [];
    const regions = { lips: 'lips', 'eye shadow': 'eyeshadow', cheeks: 'cheeks' } as const;
    for (const [k, src] of faces.entries()) {
      const other = faces[(k + 1) % faces.length];
      const ref = paintMakeup(other.img, other.face);
      let result: Rgb;
      try {
        result = (await runEngine(deps, 'mu-trans-rec', src.img, ref)).image;
      } catch (e) {
        console.error(`makeup ${src.name} ← ${other.name}: ${e instanceof Error ? e.message : String(e)} (skipped: face rules)`);
        continue;
      }
      const name = `${src.name} ← ${other.name} (painted)`;
      const { width: w, height: h } = src.img;
      for (const [label, region] of Object.entries(regions)) {
        const target = meanLab(ref, hardRegionMask(other.face, region, ref.width, ref.height));
        const srcMask = hardRegionMask(src.face, region, w, h);
        rows.push({ feature: 'mu-trans-rec', case: name, metric: `${label} ΔE2000 to the reference`, darkroom: deltaE(meanLab(result, srcMask), target), baseline: deltaE(meanLab(src.img, srcMask), target), baselineName: 'no-op (the source)', better: 'lower' });
      }
      const outside = dilate(hardRegionMask(src.face, 'oval', w, h), w, h, 2).map((v) => (v ? 0 : 255));
      rows.push({ feature: 'mu-trans-rec', case: name, metric: 'max ΔE2000 outside the face', darkroom: maxDeltaE(result, src.img, outside), better: 'lower' });
      await saveZoom(`makeup ${src.name} ← ${other.name}.png`, [[src.img, src.face], [result, src.face], [ref, other.face]]);
      if (makeupSheet.length < 6) makeupSheet.push({ label: name, tiles: [await faceZoom(src.img, src.face), await faceZoom(result, src.face), await faceZoom(src.img, src.face), await faceZoom(ref, other.face)] });
    }
    if (makeupSheet.length) await writeSheet('makeup', ['source', 'Darkroom', 'no-op', 'reference (painted)'], makeupSheet);
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

const floors: QualityFloor[] = [
  { feature: 'face-swap', metric: 'identity margin sim(result,ref)−sim(result,target)', over: 'every', limit: 0, better: 'higher' },
  { feature: 'face-swap', metric: 'missing, doubled or displaced features', over: 'every', limit: 0, better: 'lower' },
  { feature: 'face-swap', metric: 'share of pairs with a lower artefact score than before issue 22', over: 'every', limit: 0.9, better: 'higher' },
  { feature: 'face-swap', metric: 'mouth+eye landmark error / face width', over: 'median', limit: MAX_LANDMARK_ERROR, better: 'lower' },
  { feature: 'mu-trans-rec', metric: 'lips ΔE2000 to the reference', over: 'median', limit: 0, better: 'lower', versusBaseline: true },
  { feature: 'mu-trans-rec', metric: 'max ΔE2000 outside the face', over: 'every', limit: 0.5, better: 'lower' },
];

export const quality: QualityModule = { features: ['face-swap', 'mu-trans-rec'], run, floors };
