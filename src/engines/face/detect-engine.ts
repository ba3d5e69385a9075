/** `face-swap/pre-process`: lists the faces of a photo, left to right, for a later face-swap mapping. */
import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { firstFile } from '../image-io.js';
import { analyzeFaces, type FaceInfo } from './analysis.js';
import { loadRgb } from './inputs.js';
import { fivePoints } from './align.js';
import { warmUpFaceModel, humanImplementation } from './model.js';

export interface DetectedFace {
  /** Position used by face-swap's `face_mapping[].position`. */
  index: number;
  bbox: [number, number, number, number];
  score: number;
  landmarks: {
    right_eye: [number, number];
    left_eye: [number, number];
    nose: [number, number];
    mouth_right: [number, number];
    mouth_left: [number, number];
  };
  /** Degrees. */
  pose: { pitch: number; yaw: number; roll: number };
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const pt = (p: [number, number]): [number, number] => [r1(p[0]), r1(p[1])];

/** Right/left are the subject's (as in the mesh topology); the same five points the identity swap aligns by. */
export function describeFace(f: FaceInfo, index: number): DetectedFace {
  const [rightEye, leftEye, nose, mouthRight, mouthLeft] = fivePoints(f);
  return {
    index,
    bbox: f.box.map((v) => Math.round(v)) as [number, number, number, number],
    score: Math.round(f.score * 1000) / 1000,
    landmarks: { right_eye: pt(rightEye), left_eye: pt(leftEye), nose: pt(nose), mouth_right: pt(mouthRight), mouth_left: pt(mouthLeft) },
    pose: { pitch: r1(f.pitch), yaw: r1(f.yaw), roll: r1(f.roll) },
  };
}

export function createFaceDetectEngine(deps: EngineDeps): Engine {
  const spec = feature('face-swap/pre-process');
  return {
    feature: 'face-swap/pre-process',
    availability: () => humanImplementation(),
    warmUp: () => warmUpFaceModel(deps.pool),
    async run(job, ctx) {
      const src = await loadRgb(firstFile(job.files.src_ids), spec, deps);
      throwIfAborted(ctx.signal);
      ctx.reportProgress(0.2);
      const analysis = await analyzeFaces(deps.pool, src.raw, ctx.signal);
      if (analysis.faces.length === 0) throw new EngineError('error_no_face');
      const faces = analysis.faces.map(describeFace);
      const body = { width: src.raw.width, height: src.raw.height, faces };
      return [{ data: Buffer.from(JSON.stringify(body)), contentType: 'application/json', ext: 'json', meta: { faces } }];
    },
  };
}
