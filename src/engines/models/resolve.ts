import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelSpec } from './catalog.js';

const require = createRequire(import.meta.url);

/** Root folder of an installed npm package, or undefined when it is not installed. */
export function packageDir(name: string): string | undefined {
  // Many model packages do not export ./package.json, so resolve their entry and walk up.
  let entry: string;
  try {
    entry = require.resolve(`${name}/package.json`);
    return path.dirname(entry);
  } catch {
    try {
      entry = require.resolve(name);
    } catch {
      return undefined;
    }
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        /* keep walking */
      }
    }
  }
  return undefined;
}

export interface ResolvedModel {
  spec: ModelSpec;
  /** Folder holding every file of the model. */
  dir: string;
  origin: 'package' | 'models-dir';
  files: string[];
}

export interface ModelLookup {
  resolved?: ResolvedModel;
  /** Why the model cannot be used, naming what to install. */
  reason?: string;
}

function hasAllFiles(spec: ModelSpec, dir: string): boolean {
  return spec.files.every((f) => {
    const p = path.join(dir, f.path);
    return existsSync(p) && (f.size === undefined || statSync(p).size === f.size);
  });
}

/**
 * Finds a model's files: inside its npm package when installed, else in the operator's models
 * directory (`<modelsDir>/<name>/`). Only presence is checked here; `verifyModel` hashes.
 */
export function findModel(spec: ModelSpec, modelsDir: string): ModelLookup {
  if (spec.package) {
    const root = packageDir(spec.package.name);
    if (root) {
      const dir = path.join(root, spec.package.dir);
      if (hasAllFiles(spec, dir)) return { resolved: { spec, dir, origin: 'package', files: spec.files.map((f) => path.join(dir, f.path)) } };
    }
  }
  const dir = path.join(modelsDir, spec.name);
  if (modelsDir && hasAllFiles(spec, dir)) return { resolved: { spec, dir, origin: 'models-dir', files: spec.files.map((f) => path.join(dir, f.path)) } };
  const where = spec.package ? `install npm package ${spec.package.name}, or ` : '';
  return { reason: `model ${spec.name} not found: ${where}run \`darkroom models pull ${spec.name}\` (or copy its files into ${dir})` };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const verified = new Map<string, Promise<void>>();

/** Hashes every file once per process (keyed by path, size and mtime); throws on a mismatch. */
export function verifyModel(model: ResolvedModel): Promise<void> {
  const key = model.files.map((f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  }).join('|');
  let p = verified.get(key);
  if (!p) {
    p = (async () => {
      for (let i = 0; i < model.files.length; i++) {
        const got = await sha256File(model.files[i]);
        const want = model.spec.files[i].sha256;
        if (got !== want) throw new Error(`model ${model.spec.name}: checksum mismatch for ${model.spec.files[i].path} (sha256 ${got}, expected ${want})`);
      }
    })();
    p.catch(() => verified.delete(key));
    verified.set(key, p);
  }
  return p;
}

/** Resolves and verifies a model, or throws with the reason it cannot be used. */
export async function requireModel(spec: ModelSpec, modelsDir: string): Promise<ResolvedModel> {
  const { resolved, reason } = findModel(spec, modelsDir);
  if (!resolved) throw new Error(reason);
  await verifyModel(resolved);
  return resolved;
}
