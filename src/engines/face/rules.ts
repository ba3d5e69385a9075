/**
 * Face limits of the face features. The feature table's `limits.face` wins when it defines one; these
 * fill in for features whose table entry has none (the source document gives no numbers for them).
 */
import { feature, type FaceRules, type FeatureId } from '../../features/table.js';

interface FaceFeatureRules {
  /** The photo being edited. */
  source: FaceRules;
  /** The photo a face or a look is taken from. */
  reference: FaceRules;
}

const WIDE_ANGLES = { pitch: [-45, 45] as [number, number], yaw: [-50, 50] as [number, number], roll: [-90, 90] as [number, number] };

const DEFAULTS: Partial<Record<FeatureId, FaceFeatureRules>> = {
  // Makeup is painted through the mesh: it needs one clear, fairly frontal face to work on.
  'mu-trans-rec': {
    source: { minFaceWidth: 64, pitch: [-30, 30], yaw: [-35, 35], roll: [-45, 45], singlePerson: true },
    reference: { minFaceWidth: 48, pitch: [-35, 35], yaw: [-40, 40], roll: [-60, 60], singlePerson: false },
  },
  // Swap warps the whole mesh: any visible face works, but a reference face must carry enough pixels.
  'face-swap': {
    source: { minFaceWidth: 24, ...WIDE_ANGLES, singlePerson: false },
    reference: { minFaceWidth: 48, ...WIDE_ANGLES, singlePerson: false },
  },
};

export function faceRulesFor(id: FeatureId): FaceFeatureRules {
  const table = feature(id).limits.face;
  const fallback = DEFAULTS[id];
  if (table) return { source: table, reference: fallback?.reference ?? { ...table, singlePerson: false } };
  if (!fallback) throw new Error(`no face rules for ${id}`);
  return fallback;
}
