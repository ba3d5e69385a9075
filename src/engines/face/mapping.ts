/** `face_mapping` of a face-swap task: which reference image goes onto which target face. */
import type { FaceMappingEntry } from '../../features/params.js';
import { EngineError } from '../errors.js';

export type { FaceMappingEntry };

/**
 * The pairs to swap. The contract checked the mapping against the references at task creation; only
 * the faces found on the target are known here. Entries with -1 are skipped; without a mapping,
 * reference i goes onto face i for as many pairs as exist.
 */
export function faceMapping(mapping: readonly FaceMappingEntry[] | undefined, refs: number, faces: number): FaceMappingEntry[] {
  if (!mapping) return Array.from({ length: Math.min(refs, faces) }, (_, i) => ({ index: i, position: i }));
  const out: FaceMappingEntry[] = [];
  mapping.forEach((e, k) => {
    if (e.index === -1 || e.position === -1) return;
    if (e.position >= faces) throw new EngineError('invalid_parameter', `face_mapping[${k}].position ${e.position} is out of range: ${faces} face(s) found on the target`);
    out.push({ index: e.index, position: e.position });
  });
  return out;
}
