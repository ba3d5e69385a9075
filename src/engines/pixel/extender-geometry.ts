import { outPaintCropProblem, type OutPaintParams } from '../../features/params.js';
import { paramsFor, type EngineJob } from '../engine.js';
import { EngineError } from '../errors.js';
import type { LoadedImage } from '../image-io.js';

/**
 * An out-paint job's geometry. The contract checked every rule at task creation except the one that
 * needs the decoded source: the crop lies inside it.
 */
export function extenderGeometry(job: EngineJob, srcWidth: number, srcHeight: number): OutPaintParams {
  const g = paramsFor('out-paint', job);
  const crop = outPaintCropProblem(g, srcWidth, srcHeight);
  if (crop) throw new EngineError('invalid_parameter', crop.message);
  return g;
}

/** The (cropped, scaled) input placed pixel-exact on the output canvas: what every out-paint engine starts from. */
export interface PlacedInput {
  g: OutPaintParams;
  /** The input alone, input_width × input_height RGB. */
  placed: Buffer;
  /** output_width × output_height RGB: the input at (input_x, input_y), zero elsewhere. */
  canvas: Uint8Array;
  /** One byte a canvas pixel: 1 where the input lies (kept), 0 where the engine paints. */
  inside: Uint8Array;
}

export async function placeExtenderInput(job: EngineJob, src: LoadedImage): Promise<PlacedInput> {
  const g = extenderGeometry(job, src.width, src.height);
  const placed = await src.image.clone().removeAlpha()
    .extract({ left: g.crop_input_x, top: g.crop_input_y, width: g.crop_input_width, height: g.crop_input_height })
    .resize(g.input_width, g.input_height, { fit: 'fill', kernel: 'lanczos3' })
    .raw().toBuffer();
  const W = g.output_width, H = g.output_height;
  const canvas = new Uint8Array(W * H * 3);
  const inside = new Uint8Array(W * H);
  for (let y = 0; y < g.input_height; y++) {
    const row = (y + g.input_y) * W + g.input_x;
    canvas.set(placed.subarray(y * g.input_width * 3, (y + 1) * g.input_width * 3), row * 3);
    inside.fill(1, row, row + g.input_width);
  }
  return { g, placed, canvas, inside };
}
