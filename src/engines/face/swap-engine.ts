/** `face-swap`: puts the face of each reference photo onto the chosen faces of the target photo. */
import { feature } from '../../features/table.js';
import { paramsFor, type Engine, type EngineConfig, type EngineDeps } from '../engine.js';
import { EngineError, throwIfAborted } from '../errors.js';
import { encodeOutput, firstFile } from '../image-io.js';
import { kernelHandle } from '../kernel.js';
import { siblingModule } from '../runtime/pool.js';
import { analyzeFaces, checkFaceRules, meshFaceWidth, type FaceInfo } from './analysis.js';
import { loadRgb, outputExtFor, type RgbInput } from './inputs.js';
import { faceMapping } from './mapping.js';
import { humanImplementation, warmUpFaceModel } from './model.js';
import { faceRulesFor } from './rules.js';
import type { SwapArgs, SwapPair, SwapResult } from './swap-kernel.js';
import type { NeuralSwapArgs } from './neural-swap-kernel.js';
import { displacedFeatures } from './swap-check.js';
import { identityShape } from './shape.js';
import type { RawImage } from '../image-io.js';
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
 * The second half of the self-check (the kernels run the first, on pixels): the face analysis of the
 * result must find each swapped face, with its eyes, brows, nose and mouth where the swap drew them.
 * Returns, per pair, what is wrong (empty = fine).
 */
async function meshCheck(deps: EngineDeps, image: RawImage, pairs: readonly SwapPair[], signal: AbortSignal): Promise<string[][]> {
  const found = (await analyzeFaces(deps.pool, image, signal)).faces;
  return pairs.map((p) => {
    const fw = meshFaceWidth(p.targetFace);
    const centre = (f: FaceInfo) => [(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2];
    const [cx, cy] = centre(p.targetFace);
    const near = found.filter((f) => Math.hypot(centre(f)[0] - cx, centre(f)[1] - cy) < fw * 0.5);
    if (near.length === 0) return ['no face found on the result'];
    const best = near.reduce((a, b) => (Math.hypot(centre(a)[0] - cx, centre(a)[1] - cy) <= Math.hypot(centre(b)[0] - cx, centre(b)[1] - cy) ? a : b));
    return displacedFeatures(best, identityShape(p.targetFace, p.refFace, fw), fw).map((f) => `${f} not where it belongs`);
  });
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
      const runKernel = async (modes: SwapPair['mode'][]): Promise<SwapResult> => {
        const modal = pairs.map((p, i) => ({ ...p, mode: modes[i] }));
        if (!models) return kernelHandle<typeof import('./swap-kernel.js')>(SWAP_KERNEL).run(deps.pool, 'swapFaces', { target: target.raw, pairs: modal } satisfies SwapArgs, { signal: ctx.signal });
        const dir = deps.config.engines.modelsDir;
        const args: NeuralSwapArgs = { target: target.raw, pairs: modal, swapper: refFor(models.swapper, dir), embedder: refFor(models.embedder, dir) };
        try {
          return await kernelHandle<typeof import('./neural-swap-kernel.js')>(NEURAL_SWAP_KERNEL).run(deps.pool, 'neuralSwapFaces', args, { signal: ctx.signal });
        } catch (e) {
          if (ctx.signal.aborted || e instanceof EngineError) throw e;
          throw new EngineError('error_inference', `face swap model ${models.swapper.name} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      };
      const asImage = (rgb: Uint8Array): RawImage => ({ data: Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), width: target.raw.width, height: target.raw.height, channels: 3 });
      let swapped = await runKernel(pairs.map(() => 'full'));
      ctx.reportProgress(0.75);
      // A face the analysis does not find whole where the swap drew it is redone conservatively.
      const problems = await meshCheck(deps, asImage(swapped.rgb), pairs, ctx.signal);
      if (problems.some((p) => p.length)) {
        const again = await runKernel(swapped.reports.map((r, i) => (problems[i].length ? 'conservative' : r.mode)));
        again.reports.forEach((r, i) => {
          if (problems[i].length) r.notes.push(`full swap failed the face analysis check (${problems[i].join(', ')})`);
        });
        swapped = again;
      }
      const rgb = swapped.rgb;
      const faces = swapped.reports.map((r, i) => ({ position: mapping[i].position, index: mapping[i].index, swap: r.mode, notes: r.notes }));
      ctx.reportProgress(0.9);
      const result = await encodeOutput(asImage(rgb), outputExtFor(job.outputExt, target.format));
      // `swap: conservative` tells the client a face got proportions and tone only (its full swap would have been broken).
      return [{ ...result, meta: { ...result.meta, engine: models ? models.swapper.name : CLASSICAL_SWAP, faces } }];
    },
  };
}
