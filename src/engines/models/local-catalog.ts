import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MODELS, type ModelRole, type ModelSignature, type ModelSpec } from './catalog.js';

/**
 * Operator additions to the catalog: `<modelsDir>/catalog.json`, a list of models the operator
 * exported or obtained elsewhere (their own DDColor export, a fine-tuned LaMa). Each entry names its
 * signature and the sha256 of every file, so these files are checked exactly like catalog ones.
 *
 *   [{ "name": "my-ddcolor", "role": "colorize", "signature": "ddcolor", "features": ["colorize"],
 *      "files": [{ "path": "model.onnx", "sha256": "…" }] }]
 */
export const LOCAL_CATALOG = 'catalog.json';

interface LocalEntry {
  name: string;
  role: ModelRole;
  signature: ModelSignature;
  features: ModelSpec['features'];
  files: { path: string; sha256: string }[];
  implementation?: string;
  license?: string;
  rank?: number;
  maxPixels?: number;
  outputScale?: 1 | 255;
}

const cache = new Map<string, { key: string; specs: ModelSpec[] }>();

function parse(file: string): ModelSpec[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file} must be a JSON array of models`);
  return raw.map((e: LocalEntry, i) => {
    const where = `${file} entry ${i}`;
    if (!e || typeof e.name !== 'string' || !/^[\w.-]+$/.test(e.name)) throw new Error(`${where}: name must be a folder name`);
    if (MODELS.some((m) => m.name === e.name)) throw new Error(`${where}: ${e.name} is a built-in model name`);
    if (!Array.isArray(e.files) || e.files.length === 0) throw new Error(`${where}: files is required`);
    if (e.maxPixels !== undefined && !(Number.isInteger(e.maxPixels) && e.maxPixels > 0)) throw new Error(`${where}: maxPixels must be a positive integer`);
    if (e.outputScale !== undefined && e.outputScale !== 1 && e.outputScale !== 255) throw new Error(`${where}: outputScale must be 1 (output 0..255) or 255 (output 0..1)`);
    for (const f of e.files) {
      if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`${where}: every file needs its sha256`);
      if (typeof f.path !== 'string' || f.path.includes('..') || path.isAbsolute(f.path)) throw new Error(`${where}: bad file path ${String(f.path)}`);
    }
    return {
      name: e.name,
      role: e.role,
      signature: e.signature,
      features: e.features ?? [],
      implementation: e.implementation ?? `${e.name} (operator model, ${e.signature} signature) on onnxruntime`,
      runtime: 'onnxruntime',
      files: e.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
      source: file,
      license: e.license ?? 'see the operator',
      checksum: 'published',
      rank: e.rank ?? 0,
      ...(e.maxPixels ? { maxPixels: e.maxPixels } : {}),
      ...(e.outputScale ? { outputScale: e.outputScale } : {}),
    } satisfies ModelSpec;
  });
}

/** The operator's additions in `modelsDir` (re-read when the file changes). */
export function localModels(modelsDir: string): ModelSpec[] {
  if (!modelsDir) return [];
  const file = path.join(modelsDir, LOCAL_CATALOG);
  if (!existsSync(file)) return [];
  const st = statSync(file);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.specs;
  const specs = parse(file);
  cache.set(file, { key, specs });
  return specs;
}

/** Built-in catalog plus the operator's additions. */
export function allModels(modelsDir: string): ModelSpec[] {
  return [...MODELS, ...localModels(modelsDir)];
}

export function findSpec(name: string, modelsDir: string): ModelSpec | undefined {
  return allModels(modelsDir).find((m) => m.name === name);
}
