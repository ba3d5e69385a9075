/**
 * The identity-model face swap (inswapper + ArcFace), run end to end through the face-swap engine with
 * tiny ONNX models of the real signatures installed the way an operator installs models; and the
 * five-point alignment it rests on.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alignedCrop, alignmentFor, applySimilarity, cropCoverage, ARCFACE_TEMPLATE, fitSimilarity, fivePoints, invertSimilarity, pasteAligned, templateFor, type Similarity } from '../../../src/engines/face/align.js';
import { hardRegionMask, meshFaceWidth, type FaceInfo } from '../../../src/engines/face/analysis.js';
import { createFeatureEngine } from '../../../src/engines/registry.js';
import { dilate, erode, type Point } from '../../../src/engines/face/raster.js';
import { listModels } from '../../../src/engines/models/list.js';
import { routeFeature } from '../../../src/engines/routing/preference.js';
import type { EngineDeps } from '../../../src/engines/engine.js';
import { installLocalModel } from '../models/install.js';
import { tinyArcface, tinyInswapper } from '../models/tiny-models.js';
import { NEURAL_SWAP_SETTINGS, pasteMask } from '../../../src/engines/face/neural-swap-kernel.js';
import { ARCFACE_SIZE, faceEmbedding, INSWAPPER_SIZE, inswapperLatent, swapFace } from '../../../src/engines/models/adapters/face.js';
import { inswapperEmap } from '../../../src/engines/models/adapters/onnx-initializer.js';
import { sessionFor } from '../../../src/engines/models/onnx.js';
import { mainFile, refFor } from '../../../src/engines/models/refs.js';
import { bestModel } from '../../../src/engines/models/select.js';
import { ARTIFACTS, decodeRgb, encodePng, engineFile, makeDeps, photo, runContext, type Rgb, widestFace } from './fixtures.js';
import { swappingEmap, tinyLatentSwapper } from './tiny-face-models.js';

/** One engine set per models folder; models are picked per task, so they can be installed after start. */
function setup(): { deps: EngineDeps; modelsDir: string; swap: (target: Buffer, ref: Buffer) => Promise<{ img: Rgb; engine: unknown; faces: { swap: string; notes: string[] }[] }> } {
  const deps = makeDeps(1);
  const engine = createFeatureEngine('face-swap', deps);
  const swap = async (target: Buffer, ref: Buffer) => {
    const [out] = await engine.run({ taskId: 't', feature: 'face-swap', files: { src_ids: [engineFile(target)], ref_ids: [engineFile(ref, 'ref.png')] }, params: {}, outputExt: 'png' }, runContext(deps));
    return { img: await decodeRgb(out.data), engine: out.meta?.engine, faces: out.meta?.faces as { swap: string; notes: string[] }[] };
  };
  return { deps, modelsDir: deps.config.engines.modelsDir, swap };
}

const install = (modelsDir: string, kind: 'arcface' | 'inswapper', bytes: Buffer) =>
  installLocalModel(modelsDir, kind === 'arcface'
    ? { name: 't-arcface', role: 'face-embedding', signature: 'arcface', features: ['face-swap'], file: 'model.onnx', bytes }
    : { name: 't-inswapper', role: 'face-swap', signature: 'inswapper', features: ['face-swap'], file: 'model.onnx', bytes });

/** The photo with its channels scaled: a strongly tinted face the detector still finds. */
async function tinted(data: Buffer, [r, g, b]: [number, number, number]): Promise<Buffer> {
  const img = await decodeRgb(data);
  const out = Buffer.from(img.data);
  const k = [r, g, b];
  // Tint toward white for gains > 1 so a dark painting still gets a bright channel.
  for (let i = 0; i < out.length; i++) {
    const g2 = k[i % 3];
    out[i] = Math.round(g2 >= 1 ? 255 - (255 - out[i]) / g2 : out[i] * g2);
  }
  return encodePng({ ...img, data: out });
}

const setups: EngineDeps[] = [];
let astronaut: Rgb;
let astronautFace: FaceInfo;
let julia: Rgb;
let juliaFace: FaceInfo;
before(async () => {
  const { deps } = setup();
  setups.push(deps);
  astronaut = await decodeRgb(photo('astronaut.png'));
  julia = await decodeRgb(photo('portrait-julia.jpg'));
  astronautFace = await widestFace(deps, astronaut);
  juliaFace = await widestFace(deps, julia);
});
after(async () => {
  for (const d of setups) await d.pool.destroy();
});

describe('five-point alignment', () => {
  it('fits a known similarity exactly and inverts it', () => {
    const truth: Similarity = { a: 1.7 * Math.cos(0.3), b: 1.7 * Math.sin(0.3), tx: 40, ty: -12 };
    const src: Point[] = [[10, 20], [80, 25], [45, 60], [20, 90], [75, 95]];
    const fit = fitSimilarity(src, src.map((p) => applySimilarity(truth, p)));
    for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(fit[k] - truth[k]) < 1e-9, `${k}: ${fit[k]} vs ${truth[k]}`);
    const back = applySimilarity(invertSimilarity(fit), applySimilarity(fit, [33, 44]));
    assert.ok(Math.hypot(back[0] - 33, back[1] - 44) < 1e-9);
  });

  it('uses InsightFace templates: 112² as published, 128² shifted 8 px right', () => {
    assert.deepEqual(templateFor(112), ARCFACE_TEMPLATE.map(([x, y]) => [x, y]));
    templateFor(128).forEach(([x, y], i) => assert.ok(Math.abs(x - ARCFACE_TEMPLATE[i][0] - 8) < 1e-9 && Math.abs(y - ARCFACE_TEMPLATE[i][1]) < 1e-9));
  });

  it("maps a real face's eyes, nose tip and mouth corners onto the template (a few pixels of 112)", () => {
    for (const face of [astronautFace, juliaFace]) {
      const m = alignmentFor(face, 112);
      const pts = fivePoints(face).map((p) => applySimilarity(m, p));
      const errs = pts.map(([x, y], i) => Math.hypot(x - ARCFACE_TEMPLATE[i][0], y - ARCFACE_TEMPLATE[i][1]));
      // The template is a mean face: one person's points sit a few pixels off it (a nose tip seen from
      // a little above lands lower), while a misordered or misscaled fit is off by tens of pixels.
      const meanErr = (e: number[]) => e.reduce((s, v) => s + v, 0) / e.length;
      assert.ok(meanErr(errs) < 6 && Math.max(...errs) < 12, `residuals ${errs.map((e) => e.toFixed(1)).join(', ')} px`);
      // Control: the same points with the eyes and mouth corners in mirrored order fit far worse.
      const mirrored = ((p) => [p[1], p[0], p[2], p[4], p[3]])(fivePoints(face));
      const mm = fitSimilarity(mirrored, ARCFACE_TEMPLATE);
      assert.ok(meanErr(mirrored.map((p, i) => Math.hypot(applySimilarity(mm, p)[0] - ARCFACE_TEMPLATE[i][0], applySimilarity(mm, p)[1] - ARCFACE_TEMPLATE[i][1]))) > 15);
      // The subject's right eye is on the image's left, in the template's first slot.
      assert.ok(pts[0][0] < pts[1][0] && pts[3][0] < pts[4][0]);
    }
  });

  it('an aligned crop pasted back through the inverse transform gives the photo back', () => {
    const m = alignmentFor(astronautFace, 128);
    const crop = alignedCrop({ ...astronaut }, m, 128);
    const into = new Uint8Array(astronaut.data.length);
    const alpha = hardRegionMask(astronautFace, 'swap', astronaut.width, astronaut.height);
    const core = erode(alpha, astronaut.width, astronaut.height, Math.round(meshFaceWidth(astronautFace) * 0.1));
    pasteAligned(into, astronaut.width, astronaut.height, crop, 128, m, core);
    let err = 0, n = 0;
    for (let i = 0; i < core.length; i++) {
      if (!core[i]) continue;
      n++;
      for (let c = 0; c < 3; c++) err += Math.abs(into[i * 3 + c] - astronaut.data[i * 3 + c]);
    }
    assert.ok(n > 1000);
    // Resampling twice at about the face's own scale blurs a little; a misplaced paste would not come close.
    assert.ok(err / (3 * n) < 6, `mean error ${(err / (3 * n)).toFixed(1)} levels`);
  });
});

describe('face-swap with identity models installed', () => {
  it('without the models the classical swap runs and the route names the upgrade', async () => {
    const { deps, modelsDir, swap } = setup();
    setups.push(deps);
    assert.equal(routeFeature('face-swap', deps.config)?.serving?.id, 'landmark-warp');
    // Both models, with the licence flag they need (pull refuses them without it).
    assert.equal(routeFeature('face-swap', deps.config)!.upgrades[0].how, 'darkroom models pull inswapper-128 arcface-w600k-r50 --accept-licence');
    // A swapper alone is not enough: its identity encoder is missing, so the classical swap still runs.
    install(modelsDir, 'inswapper', tinyInswapper());
    assert.equal(routeFeature('face-swap', deps.config)?.serving?.id, 'landmark-warp');
    assert.equal(routeFeature('face-swap', deps.config)!.upgrades[0].how, 'darkroom models pull arcface-w600k-r50 --accept-licence');
    const { img, engine } = await swap(photo('astronaut.png'), photo('portrait-julia.jpg'));
    assert.equal(engine, 'landmark-warp');
    // The classical swap keeps the target's light: the face is not the tiny model's photographic negative.
    const core = erode(hardRegionMask(astronautFace, 'swap', 512, 512), 512, 512, 20);
    let neg = 0, n = 0;
    for (let i = 0; i < core.length; i++) if (core[i]) (n++, (neg += Math.abs(img.data[i * 3] - (255 - astronaut.data[i * 3])) < 20 ? 1 : 0));
    assert.ok(neg < n * 0.2, `${neg} of ${n} face pixels look like the negative`);
  });

  it('refuses a broken (negative) face from the swapper; its paste goes back only inside the feathered face mask', async () => {
    const { deps, modelsDir, swap } = setup();
    setups.push(deps);
    install(modelsDir, 'arcface', tinyArcface());
    install(modelsDir, 'inswapper', tinyInswapper());
    assert.equal(routeFeature('face-swap', deps.config)?.model, 't-inswapper');
    // A negative face is a broken result: the engine's self-check replaces it and says so.
    const viaEngine = await swap(photo('astronaut.png'), photo('portrait-julia.jpg'));
    assert.equal(viaEngine.engine, 't-inswapper');
    assert.equal(viaEngine.faces[0].swap, 'conservative');
    assert.ok(viaEngine.faces[0].notes.some((n) => n.includes('failed')), viaEngine.faces[0].notes.join('; '));
    // The paste itself, with the swapper's negative computed here: the crop's negative pasted back through the inverse alignment.
    const toCrop = alignmentFor(astronautFace, INSWAPPER_SIZE);
    const negative = alignedCrop({ ...astronaut, channels: 3 }, toCrop, INSWAPPER_SIZE).map((v) => 255 - v);
    const data = Buffer.from(astronaut.data);
    pasteAligned(data, astronaut.width, astronaut.height, negative, INSWAPPER_SIZE, toCrop, pasteMask(astronautFace, astronaut.width, astronaut.height, cropCoverage(astronaut.width, astronaut.height, INSWAPPER_SIZE, toCrop, NEURAL_SWAP_SETTINGS.cropMargin)));
    const img: Rgb = { data, width: astronaut.width, height: astronaut.height, channels: 3 };
    writeFileSync(path.join(ARTIFACTS, 'neural-swap-negative.png'), await encodePng(img));
    const W = astronaut.width, H = astronaut.height;
    const fw = meshFaceWidth(astronautFace);
    // The tiny swapper returns 1 − target: deep inside the face the result is the target's negative, in place.
    const core = erode(hardRegionMask(astronautFace, 'swap', W, H), W, H, Math.round(fw * 0.12));
    const outside = dilate(hardRegionMask(astronautFace, 'oval', W, H), W, H, 2);
    let err = 0, n = 0, maxOutside = 0, changedOutside = 0;
    for (let i = 0; i < W * H; i++) {
      if (core[i]) {
        n++;
        for (let c = 0; c < 3; c++) err += Math.abs(img.data[i * 3 + c] - (255 - astronaut.data[i * 3 + c]));
      }
      if (!outside[i]) {
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(img.data[i * 3 + c] - astronaut.data[i * 3 + c])));
        maxOutside = Math.max(maxOutside, d);
        if (d) changedOutside++;
      }
    }
    assert.ok(n > 2000, `core has ${n} pixels`);
    assert.ok(err / (3 * n) < 8, `mean distance to the negative ${(err / (3 * n)).toFixed(1)} levels: the paste is misplaced`);
    assert.equal(changedOutside, 0, `${changedOutside} pixels outside the face outline changed (by up to ${maxOutside})`);
    // Feathered: between the core and the outline the result passes through intermediate values.
    const oval = hardRegionMask(astronautFace, 'oval', W, H);
    const ovalInner = erode(oval, W, H, Math.round(fw * 0.02));
    const rim = oval.map((v, i) => (v && !ovalInner[i] ? 255 : 0));
    let rimChanged = 0, rimN = 0;
    for (let i = 0; i < rim.length; i++) if (rim[i]) (rimN++, (rimChanged += Math.abs(img.data[i * 3] - astronaut.data[i * 3]) > 60 ? 1 : 0));
    assert.ok(rimChanged < rimN * 0.1, `${rimChanged} of ${rimN} outline pixels jump to the swapped face`);
  });

  it("the reference's ArcFace embedding, through the emap, decides the swapped face", async () => {
    const { deps, modelsDir, swap } = setup();
    setups.push(deps);
    install(modelsDir, 'arcface', tinyArcface());
    // The latent's red and blue trade places in this emap: a red reference must give a bluer face.
    install(modelsDir, 'inswapper', tinyLatentSwapper(swappingEmap(0, 2)));
    const swapper = bestModel('face-swap', modelsDir, ['inswapper'])!, embedder = bestModel('face-embedding', modelsDir, ['arcface'])!;
    const [arcface, inswapper] = await Promise.all([sessionFor(refFor(embedder, modelsDir)), sessionFor(refFor(swapper, modelsDir))]);
    const emap = await inswapperEmap(mainFile(swapper, modelsDir)!);
    const targetCrop = alignedCrop({ ...astronaut, channels: 3 }, alignmentFor(astronautFace, INSWAPPER_SIZE), INSWAPPER_SIZE);
    // The path the neural kernel takes: reference crop → ArcFace → emap → latent → swapper on the target's crop.
    const swappedColour = async (ref: Buffer) => {
      const img = await decodeRgb(ref);
      const embedding = await faceEmbedding(arcface, alignedCrop({ ...img, channels: 3 }, alignmentFor(juliaFace, ARCFACE_SIZE), ARCFACE_SIZE));
      const out = await swapFace(inswapper, targetCrop, inswapperLatent(embedding, emap));
      const s = [0, 0, 0];
      for (let i = 0; i < out.length; i++) s[i % 3] += out[i] - targetCrop[i] * 0.6;
      return s.map((v) => v / (out.length / 3));
    };
    const [r1, , b1] = await swappedColour(await tinted(photo('portrait-julia.jpg'), [2, 0.5, 0.5]));
    const [r2, , b2] = await swappedColour(await tinted(photo('portrait-julia.jpg'), [0.5, 0.5, 2]));
    assert.ok(b1 - b2 > 10 && r2 - r1 > 10, `red reference added (${r1.toFixed(0)}, …, ${b1.toFixed(0)}), blue (${r2.toFixed(0)}, …, ${b2.toFixed(0)})`);
    // Through the engine, a face tinted in a patch that ends inside the skin is a broken result: refused, and said so.
    const red = await swap(photo('astronaut.png'), await tinted(photo('portrait-julia.jpg'), [2, 0.5, 0.5]));
    assert.equal(red.engine, 't-inswapper');
    assert.equal(red.faces[0].swap, 'conservative', red.faces[0].notes.join('; '));
  });

  it('models list counts the InsightFace models as used', () => {
    const dir = setups[0].config.engines.modelsDir;
    for (const name of ['inswapper-128', 'arcface-w600k-r50']) assert.equal(listModels(dir).find((m) => m.name === name)?.wired, true, name);
  });
});
