import { EngineError } from '../errors.js';

/**
 * The AI Image Extender's ten parameters, as the source document defines them: all required
 * integers. Output canvas [1, 4096] per side; the input (optionally cropped from the source, then
 * scaled to input_width x input_height) is placed with its top-left at (input_x, input_y) and must
 * lie completely inside the canvas; the canvas must be larger than the placed input.
 */
export interface ExtenderGeometry {
  output_width: number;
  output_height: number;
  input_x: number;
  input_y: number;
  input_width: number;
  input_height: number;
  crop_input_x: number;
  crop_input_y: number;
  crop_input_width: number;
  crop_input_height: number;
}

const RANGES: Record<keyof ExtenderGeometry, [number, number]> = {
  output_width: [1, 4096],
  output_height: [1, 4096],
  input_x: [0, 4096],
  input_y: [0, 4096],
  input_width: [1, 4096],
  input_height: [1, 4096],
  crop_input_x: [0, 4096],
  crop_input_y: [0, 4096],
  crop_input_width: [1, 4096],
  crop_input_height: [1, 4096],
};

function invalid(field: string, why: string): EngineError {
  return new EngineError('invalid_parameter', `${field} ${why}`);
}

function integer(params: Record<string, unknown>, field: keyof ExtenderGeometry): number {
  const v = params[field];
  if (v === undefined || v === null) throw invalid(field, 'is required');
  // Clients built on form fields send numeric strings; anything else is rejected.
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalid(field, `must be an integer (got ${JSON.stringify(v)})`);
  const [lo, hi] = RANGES[field];
  if (n < lo || n > hi) throw invalid(field, `must be in [${lo}, ${hi}] (got ${n})`);
  return n;
}

export function parseExtenderGeometry(params: Record<string, unknown>, srcWidth: number, srcHeight: number): ExtenderGeometry {
  const g = {} as ExtenderGeometry;
  for (const k of Object.keys(RANGES) as (keyof ExtenderGeometry)[]) g[k] = integer(params, k);
  if (g.input_x + g.input_width > g.output_width) throw invalid('input_width', `plus input_x must be <= output_width (${g.input_x} + ${g.input_width} > ${g.output_width})`);
  if (g.input_y + g.input_height > g.output_height) throw invalid('input_height', `plus input_y must be <= output_height (${g.input_y} + ${g.input_height} > ${g.output_height})`);
  if (g.crop_input_x + g.crop_input_width > srcWidth) throw invalid('crop_input_width', `plus crop_input_x must be <= the source width (${g.crop_input_x} + ${g.crop_input_width} > ${srcWidth})`);
  if (g.crop_input_y + g.crop_input_height > srcHeight) throw invalid('crop_input_height', `plus crop_input_y must be <= the source height (${g.crop_input_y} + ${g.crop_input_height} > ${srcHeight})`);
  if (g.input_width === g.output_width && g.input_height === g.output_height) {
    throw invalid('output_width', `and output_height must make the output larger than the input (${g.output_width}x${g.output_height} equals the input)`);
  }
  return g;
}
