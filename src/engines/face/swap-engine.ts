/** `face-swap`: puts the face of each reference photo onto the chosen faces of the target photo. */
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';
import { analyzeFaces, checkFaceRules, type FaceInfo } from './analysis.js';
import { loadRgb, outputExtFor, type RgbInput } from './inputs.js';
import { faceMapping } from './mapping.js';
import { humanImplementation, warmUpFaceModel } from './model.js';
import { faceRulesFor } from './rules.js';
import type { SwapArgs } from './swap-kernel.js';

const SWAP_KERNEL = siblingModule(import.meta.url, 'swap-kernel');

export function createFaceSwapEngine(deps: EngineDeps): Engine {
  const spec = feature('face-swap');
  const rules = faceRulesFor('face-swap');
  return {
    feature: 'face-swap',
    availability: () => humanImplementation(' + mesh warp, low-frequency Lab light/tone transfer, expression-aware feathered blend'),
    warmUp: () => warmUpFaceModel(deps.pool),
    async run(job, ctx) {
      const target = await loadRgb(firstFile(job.files.src_ids), spec, deps);
      const refFiles = job.files.ref_ids ?? [];
      if (refFiles.length === 0) throw new EngineError('error_download_image', 'no reference image given');
      if (refFiles.length > spec.fileSets.find((s) => s.name === 'ref_ids')!.maxFiles) {
        throw new EngineError('invalid_parameter', `at most ${spec.fileSets.find((s) => s.name === 'ref_ids')!.maxFiles} reference images are accepted`);
      }
      throwIfAborted(ctx.signal);
      const targetFaces = await analyzeFaces(deps.pool, target.raw, ctx.signal);
      if (targetFaces.faces.length === 0) throw new EngineError('error_no_face', 'no face detected on the target image');
      const mapping = faceMapping(paramsFor('face-swap', job).face_mapping, refFiles.length, targetFaces.faces.length);
      ctx.reportProgress(0.2);

      const refs = new Map<number, { input: RgbInput; face: FaceInfo }>();
      for (const index of new Set(mapping.map((m) => m.index))) {
        const input = await loadRgb(refFiles[index], spec, deps);
        const analysis = await analyzeFaces(deps.pool, input.raw, ctx.signal);
        if (analysis.faces.length === 0) throw new EngineError('error_no_face', `no face detected on reference image ${index}`);
        refs.set(index, { input, face: checkFaceRules(analysis, rules.reference) });
        throwIfAborted(ctx.signal);
      }
      ctx.reportProgress(0.5);

      const pairs = mapping.map((m) => {
        const targetFace = targetFaces.faces[m.position];
        checkFaceRules({ faces: [targetFace], persons: 1, shouldersVisible: true }, rules.source);
        const ref = refs.get(m.index)!;
        return { ref: ref.input.raw, refFace: ref.face, targetFace };
      });
      const args: SwapArgs = { target: target.raw, pairs };
      const rgb = await deps.pool.run<Uint8Array>(SWAP_KERNEL, 'swapFaces', args, { signal: ctx.signal });
      ctx.reportProgress(0.9);
      const out = { data: Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), width: target.raw.width, height: target.raw.height, channels: 3 as const };
      return [await encodeOutput(out, outputExtFor(job.outputExt, target.format))];
    },
  };
}
