import { EngineError } from '../errors.js';

/** Reads an integer param sent as a JSON number or a numeric string. */
function asInteger(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

export function enhanceScale(params: Record<string, unknown>): 1 | 2 | 4 {
  const raw = params.scale;
  if (raw === undefined) throw new EngineError('invalid_parameter', 'scale is required: 1, 2 or 4');
  const n = asInteger(raw);
  if (n !== 1 && n !== 2 && n !== 4) throw new EngineError('invalid_parameter', `scale must be 1, 2 or 4 (got ${JSON.stringify(raw)})`);
  return n;
}

export function optionalColor(params: Record<string, unknown>, key: string): [number, number, number] | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(v)) throw new EngineError('invalid_parameter', `${key} must be a color like "#RRGGBB" (got ${JSON.stringify(v)})`);
  return [parseInt(v.slice(1, 3), 16), parseInt(v.slice(3, 5), 16), parseInt(v.slice(5, 7), 16)];
}

export function optionalIntRange(params: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = asInteger(v);
  if (n === undefined || n < min || n > max) throw new EngineError('invalid_parameter', `${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return n;
}
