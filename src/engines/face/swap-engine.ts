/** `face-swap`: puts the face of each reference photo onto the chosen faces of the target photo. */
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineConfig, type EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile } from '../image-io.js';
import { siblingModule } from '../runtime/pool.js';
import { analyzeFaces, checkFaceRules, type FaceInfo } from './analysis.js';
import { loadRgb, outputExtFor, type RgbInput } from './inputs.js';
import { faceMapping } from './mapping.js';
import { humanImplementation, warmUpFaceModel } from './model.js';
import { faceRulesFor } from './rules.js';
import type { SwapArgs } from './swap-kernel.js';
import type { NeuralSwapArgs } from './neural-swap-kernel.js';
import { refFor } from '../models/refs.js';
import { bestModel } from '../models/select.js';
import type { ModelSpec } from '../models/catalog.js';

const SWAP_KERNEL = siblingModule(import.meta.url, 'swap-kernel');
const NEURAL_SWAP_KERNEL = siblingModule(import.meta.url, 'neural-swap-kernel');

/** Result meta's engine name for the classical swap (as in routing/preference.ts). */
export const CLASSICAL_SWAP = 'landmark-warp';
const CLASSICAL_DESCRIPTION = ' + mesh warp, low-frequency Lab light/tone transfer, expression-aware feathered blend';

/**
 * The identity models, when the swapper and its encoder are both installed (a catalog swapper
 * requires one; an operator's own swapper export may come without: then the classical swap runs).
 * Read per task, so models pulled after start are used.
 */
export function neuralSwapModels(config: EngineConfig): { swapper: ModelSpec; embedder: ModelSpec } | undefined {
  const dir = config.engines.modelsDir;
  const swapper = bestModel('face-swap', dir, ['inswapper']);
  const embedder = bestModel('face-embedding', dir, ['arcface']);
  return swapper && embedder ? { swapper, embedder } : undefined;
}

/**
 * `identity: 'onnx'` swaps with inswapper + ArcFace (engines/features/face-swap.ts routes here when
 * both are installed), falling back to the classical swap if they went missing since; 'classical'
 * always warps landmarks.
 */
export function createFaceSwapEngine(deps: EngineDeps, identity: 'onnx' | 'classical'): Engine {
  const spec = feature('face-swap');
  const rules = faceRulesFor('face-swap');
  const swapModels = () => (identity === 'onnx' ? neuralSwapModels(deps.config) : undefined);
  return {
    feature: 'face-swap',
    availability() {
      const models = swapModels();
      return humanImplementation(models ? ` (5-point alignment) + ${models.swapper.implementation}, identity from ${models.embedder.implementation}` : CLASSICAL_DESCRIPTION);
    },
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
      const models = swapModels();
      let rgb: Uint8Array;
      if (models) {
        const dir = deps.config.engines.modelsDir;
        const args: NeuralSwapArgs = { target: target.raw, pairs, swapper: refFor(models.swapper, dir), embedder: refFor(models.embedder, dir) };
        try {
          rgb = await deps.pool.run<Uint8Array>(NEURAL_SWAP_KERNEL, 'neuralSwapFaces', args, { signal: ctx.signal });
        } catch (e) {
          if (ctx.signal.aborted || e instanceof EngineError) throw e;
          throw new EngineError('error_inference', `face swap model ${models.swapper.name} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        const args: SwapArgs = { target: target.raw, pairs };
        rgb = await deps.pool.run<Uint8Array>(SWAP_KERNEL, 'swapFaces', args, { signal: ctx.signal });
      }
      ctx.reportProgress(0.9);
      const out = { data: Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), width: target.raw.width, height: target.raw.height, channels: 3 as const };
      const result = await encodeOutput(out, outputExtFor(job.outputExt, target.format));
      return [{ ...result, meta: { ...result.meta, engine: models ? models.swapper.name : CLASSICAL_SWAP } }];
    },
  };
}
