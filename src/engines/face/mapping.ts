/** `face_mapping` of a face-swap task: which reference image goes onto which target face. */
import { EngineError } from '../errors.js';

export interface FaceMappingEntry {
  /** Reference image index in `ref_ids`. */
  index: number;
  /** Face position on the target, as listed by face detection (left to right). */
  position: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Validates the mapping against the number of references and target faces. Entries with -1 in either
 * field are skipped. Without a mapping, reference i goes onto face i for as many pairs as exist.
 */
export function parseFaceMapping(raw: unknown, refs: number, faces: number): FaceMappingEntry[] {
  if (raw === undefined || raw === null) {
    return Array.from({ length: Math.min(refs, faces) }, (_, i) => ({ index: i, position: i }));
  }
  if (!Array.isArray(raw)) throw new EngineError('invalid_parameter', 'face_mapping must be an array of {index, position}');
  const out: FaceMappingEntry[] = [];
  const used = new Set<number>();
  raw.forEach((entry, k) => {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || !isInt(e.index) || !isInt(e.position)) {
      throw new EngineError('invalid_parameter', `face_mapping[${k}] must be {index: integer, position: integer}`);
    }
    if (e.index === -1 || e.position === -1) return;
    if (e.index < 0 || e.index >= refs) throw new EngineError('invalid_parameter', `face_mapping[${k}].index ${e.index} is out of range: ${refs} reference image(s) given`);
    if (e.position < 0 || e.position >= faces) throw new EngineError('invalid_parameter', `face_mapping[${k}].position ${e.position} is out of range: ${faces} face(s) found on the target`);
    if (used.has(e.position)) throw new EngineError('invalid_parameter', `face_mapping maps face ${e.position} more than once`);
    used.add(e.position);
    out.push({ index: e.index, position: e.position });
  });
  if (out.length === 0) throw new EngineError('invalid_parameter', 'face_mapping swaps no face (every entry is -1)');
  return out;
}
