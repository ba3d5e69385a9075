/** `mu-trans-rec` (alias `mu-transfer`): carries the makeup of a reference photo onto the source face. */
import { feature } from '../../features/table.js';
import type { Engine, EngineDeps } from '../engine.js';
import { throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { analyzeFaces, checkFaceRules } from './analysis.js';
import { loadRgb, outputExtFor } from './inputs.js';
import type { MakeupArgs } from './makeup-kernel.js';
import { humanImplementation, warmUpFaceModel } from './model.js';
import { faceRulesFor } from './rules.js';

const MAKEUP_KERNEL = kernelHandle<typeof import('./makeup-kernel.js')>(siblingModule(import.meta.url, 'makeup-kernel'));

export function createMakeupTransferEngine(deps: EngineDeps): Engine {
  const spec = feature('mu-trans-rec');
  const rules = faceRulesFor('mu-trans-rec');
  return {
    feature: 'mu-trans-rec',
    availability: () => humanImplementation(' + Lab region transfer over mesh masks'),
    warmUp: () => warmUpFaceModel(deps.pool),
    async run(job, ctx) {
      const src = await loadRgb(firstFile(job.files.src_ids), spec, deps);
      const ref = await loadRgb(firstFile(job.files.ref_ids), spec, deps);
      throwIfAborted(ctx.signal);
      const srcFace = checkFaceRules(await analyzeFaces(deps.pool, src.raw, ctx.signal), rules.source);
      ctx.reportProgress(0.3);
      const refFace = checkFaceRules(await analyzeFaces(deps.pool, ref.raw, ctx.signal), rules.reference);
      ctx.reportProgress(0.6);
      const args: MakeupArgs = { src: src.raw, srcFace, ref: ref.raw, refFace };
      const rgb = await MAKEUP_KERNEL.run(deps.pool, 'transferMakeup', args, { signal: ctx.signal });
      const out = { data: Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), width: src.raw.width, height: src.raw.height, channels: 3 as const };
      return [await encodeOutput(out, outputExtFor(job.outputExt, src.format))];
    },
  };
}
