import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MODELS, type ModelSpec } from './catalog.js';
import { findModel } from './resolve.js';

export interface PullOptions {
  modelsDir: string;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Replaces the catalog's URL (a mirror). */
  baseUrl?: string;
  onProgress?: (file: string, index: number, total: number) => void;
  /** Extra specs (tests, operator additions) searched before the built-in catalog. */
  catalog?: readonly ModelSpec[];
}

export interface PullResult {
  name: string;
  dir: string;
  /** false when the files were already present and nothing was downloaded. */
  downloaded: boolean;
}

/**
 * Downloads a model's files from its public URL into `<modelsDir>/<name>/`, checking each file's
 * sha256 before it is moved into place, so a partial or tampered download never becomes loadable.
 */
export async function pullModel(name: string, opts: PullOptions): Promise<PullResult> {
  const spec = [...(opts.catalog ?? []), ...MODELS].find((m) => m.name === name);
  if (!spec) throw new Error(`unknown model ${name}; known: ${MODELS.map((m) => m.name).join(', ')}`);
  const found = findModel(spec, opts.modelsDir);
  if (found.resolved) return { name, dir: found.resolved.dir, downloaded: false };
  const base = opts.baseUrl ?? spec.url;
  if (!base) throw new Error(`model ${name} has no public URL; install its files by hand into ${path.join(opts.modelsDir, name)}`);
  const doFetch = opts.fetch ?? fetch;
  const dir = path.join(opts.modelsDir, spec.name);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const [i, f] of spec.files.entries()) {
      opts.onProgress?.(f.path, i, spec.files.length);
      const url = new URL(f.path, base.endsWith('/') ? base : `${base}/`).href;
      const res = await doFetch(url);
      if (!res.ok) throw new Error(`download of ${url} failed: HTTP ${res.status}`);
      const data = Buffer.from(await res.arrayBuffer());
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== f.sha256) throw new Error(`checksum mismatch for ${url}: sha256 ${got}, expected ${f.sha256}`);
      await mkdir(path.dirname(path.join(staging, f.path)), { recursive: true });
      await writeFile(path.join(staging, f.path), data);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  return { name, dir, downloaded: true };
}
