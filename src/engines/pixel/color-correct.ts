import { feature } from '../../features/table.js';
import type { Engine, EngineDeps, EngineOutput } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile, loadImage, moveToShared, sharedBytes, toRaw } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { GRADES, type Grade, type SharedRaw } from './color-correct-kernel.js';

export { applyCorrection, applyGrade, estimateCorrection, GRADES, gradeAllKernel, type ColorCorrection, type Grade } from './color-correct-kernel.js';

/** Photos up to this many pixel bytes (~5 MP RGB) get all four grades at once; larger ones one at a time. */
const SIDE_BY_SIDE_BYTES = 16 * 2 ** 20;

export function createColorCorrectEngine(deps: EngineDeps): Engine {
  const spec = feature('color-correct');
  const self = kernelHandle<typeof import('./color-correct-kernel.js')>(siblingModule(import.meta.url, 'color-correct-kernel'));
  return {
    feature: 'color-correct',
    availability: () => ({ available: true, implementation: "gray-edge illuminant estimate, von Kries white balance in linear light scaled by the evidence (agreeing estimates, the photo's own grays); neutral, warm, cool and vivid grades" }),
    async run(job, ctx) {
      const src = await loadImage(firstFile(job.files.src_ids), spec, { maxPixels: deps.config.engines.maxPixels });
      ctx.reportProgress(0.2);
      const decoded = await toRaw(src.image, src.hasAlpha ? 4 : 3);
      throwIfAborted(ctx.signal);
      // Memory on a 4096² photo (issue 14): the pixels live in shared memory, so the worker reads them
      // without a copy and writes each grade into a shared output. A large photo reuses one output,
      // encoded before the next grade overwrites it (two full-size buffers instead of ten); a small one
      // gets an output per grade, graded on every worker and encoded side by side (the encodes, not the
      // arithmetic, are most of a small photo's time).
      const { width, height, channels } = decoded;
      const pixels = moveToShared(decoded);
      const raw: SharedRaw = { data: pixels, width, height, channels };
      const cc = await self.run(deps.pool, 'estimateKernel', raw, { signal: ctx.signal });
      const ext = job.outputExt ?? (src.format === 'png' ? 'png' : 'jpg');
      let done = 0;
      const gradeAndEncode = async (grade: Grade, dst: Uint8Array): Promise<EngineOutput> => {
        await self.run(deps.pool, 'gradeIntoKernel', { src: pixels, dst, channels, cc, grade }, { signal: ctx.signal });
        const out = await encodeOutput({ data: Buffer.from(dst.buffer), width, height, channels }, ext, { meta: { grade } });
        ctx.reportProgress(0.3 + (0.7 * ++done) / GRADES.length);
        return out;
      };
      if (pixels.byteLength <= SIDE_BY_SIDE_BYTES) return Promise.all(GRADES.map((g) => gradeAndEncode(g, sharedBytes(pixels.byteLength))));
      const graded = sharedBytes(pixels.byteLength);
      const outputs: EngineOutput[] = [];
      for (const grade of GRADES) outputs.push(await gradeAndEncode(grade, graded));
      return outputs;
    },
  };
}
