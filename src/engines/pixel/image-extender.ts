import sharp from 'sharp';
import { feature } from '../../features/table.js';
import type { Engine, EngineDeps, EngineRunContext } from '../engine.js';
import { TaskAbortedError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage } from '../image-io.js';
import { foregroundMatte } from '../neural/matte.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { placeExtenderInput } from './extender-geometry.js';
import type { OutpaintRequest } from './outpaint-kernel.js';

/** A matte with more unsure pixels (25..230) than this share of its foreground is not a clear subject. */
const MAX_UNSURE_PER_SUBJECT = 0.35;

/**
 * The salient subject of the placed input (ISNet, 1 = subject), so the fill does not repeat it across
 * the margins. Without the matting model, or when the matte is unsure (a texture, a busy scene with
 * no single subject), the fill runs without it: do no harm.
 */
async function subjectMask(deps: EngineDeps, ctx: EngineRunContext, placed: Buffer, width: number, height: number): Promise<Uint8Array | undefined> {
  try {
    const matte = await foregroundMatte(deps.pool, sharp(placed, { raw: { width, height, channels: 3 } }), width, height, { modelsDir: deps.config.engines.modelsDir });
    // No abort signal to the matte: ending its worker mid-inference aborts onnxruntime (SIGABRT, the
    // whole process); one inference is short, and the caller checks the signal right after.
    throwIfAborted(ctx.signal);
    const mask = new Uint8Array(width * height);
    let subject = 0, unsure = 0;
    for (let i = 0; i < mask.length; i++) {
      mask[i] = matte[i] > 127 ? 1 : 0;
      subject += mask[i];
      if (matte[i] > 25 && matte[i] < 230) unsure++;
    }
    if (subject === 0 || unsure > subject * MAX_UNSURE_PER_SUBJECT) return undefined;
    return mask;
  } catch (e) {
    if (e instanceof TaskAbortedError) throw e;
    ctx.log.warn({ err: e }, 'out-paint: subject matte unavailable, filling without it');
    return undefined;
  }
}

export function createImageExtenderEngine(deps: EngineDeps): Engine {
  const spec = feature('out-paint');
  const kernel = siblingModule(import.meta.url, 'outpaint-kernel');
  return {
    feature: 'out-paint',
    availability: () => ({ available: true, implementation: 'classical multi-scale PatchMatch out-painting, subject-aware (ISNet matte)' }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      const { g, placed, canvas: rgb } = await placeExtenderInput(job, src);
      const W = g.output_width, H = g.output_height;
      const inputSubject = await subjectMask(deps, ctx, placed, g.input_width, g.input_height);
      let subject: Uint8Array | undefined;
      if (inputSubject) {
        subject = new Uint8Array(W * H);
        for (let y = 0; y < g.input_height; y++) subject.set(inputSubject.subarray(y * g.input_width, (y + 1) * g.input_width), (y + g.input_y) * W + g.input_x);
      }
      ctx.reportProgress(0.1);
      throwIfAborted(ctx.signal);
      const req: OutpaintRequest = { rgb, width: W, height: H, rect: { x: g.input_x, y: g.input_y, width: g.input_width, height: g.input_height }, subject };
      const out = await kernelHandle<typeof import('./outpaint-kernel.js')>(kernel).run(deps.pool, 'outpaintKernel', req, { signal: ctx.signal });
      ctx.reportProgress(0.9);
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      return [await encodeOutput({ data: Buffer.from(out.buffer, out.byteOffset, out.byteLength), width: W, height: H, channels: 3 }, ext)];
    },
  };
}
