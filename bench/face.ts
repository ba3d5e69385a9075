/**
 * Face features on a 1024 px portrait: time and peak RSS of face detection, face swap and makeup
 * transfer (warm: the model is loaded first). Run alone with `npx tsx bench/face.ts`; writes
 * bench/results/face.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import type { EngineDeps, EngineFile, EngineJob } from '../src/engines/engine.js';
import { createFeatureEngine } from '../src/engines/registry.js';
import { createWorkerPool } from '../src/engines/runtime/pool.js';
import { isMain, measure, report, TESTDATA, type BenchRow } from './support.js';

export async function run(): Promise<BenchRow[]> {
  const portrait = await sharp(readFileSync(path.join(TESTDATA, 'astronaut.png'))).resize(1024, 1024).png().toBuffer();
  const reference = readFileSync(path.join(TESTDATA, 'portrait-julia.jpg'));
  const file = (data: Buffer, name: string): EngineFile => ({ fileId: name, fileName: name, contentType: 'image/png', data });
  const deps: EngineDeps = { config: loadConfig({ dataDir: path.join(process.cwd(), 'data', 'bench-face') }), log: pino({ level: 'silent' }), pool: createWorkerPool(1) };
  const ctx = { signal: new AbortController().signal, reportProgress: () => undefined, log: deps.log };
  const job = (feature: EngineJob['feature'], ref?: Buffer): EngineJob => ({
    taskId: 'bench', feature, params: {}, outputExt: 'jpg',
    files: { src_ids: [file(portrait, 'portrait.png')], ...(ref ? { ref_ids: [file(ref, 'ref.jpg')] } : {}) },
  });
  const detect = createFeatureEngine('face-swap/pre-process', deps);
  const swap = createFeatureEngine('face-swap', deps);
  const makeup = createFeatureEngine('mu-trans-rec', deps);
  const human = 'human 3.3 BlazeFace+FaceMesh on tfjs-wasm (1 worker)';
  const rows: BenchRow[] = [];
  try {
    rows.push(await measure('warm-up', 'load face model in a worker', () => detect.warmUp!()));
    rows.push(await measure('face detection 1024 px', human, () => detect.run(job('face-swap/pre-process'), ctx)));
    rows.push(await measure('face swap 1024 px', `${human} + mesh warp + low-frequency Lab transfer + expression-aware blend`, () => swap.run(job('face-swap', reference), ctx), 'two model passes (target, reference) + blend + JPEG encode'));
    rows.push(await measure('makeup transfer 1024 px', `${human} + Lab region transfer`, () => makeup.run(job('mu-trans-rec', reference), ctx), 'two model passes + transfer + JPEG encode'));
  } finally {
    await deps.pool.destroy();
  }
  return rows;
}

if (isMain(import.meta.url)) report('face', await run());
