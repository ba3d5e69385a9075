import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileUrl, type ModelSpec } from './catalog.js';
import { downloadToPart } from './download.js';
import { allModels } from './local-catalog.js';
import { ChecksumError, findModel, modelDir, readRecordedSums, recordSums, verifyModel } from './resolve.js';

export interface PullProgress {
  model: string;
  file: string;
  received: number;
  total?: number;
}

export interface PullOptions {
  modelsDir: string;
  /** Replaces the catalog's URLs (a mirror holding the same file names). */
  baseUrl?: string;
  /** Extra specs (tests, operator additions) searched before the built-in catalog. */
  catalog?: readonly ModelSpec[];
  /** Needed for models whose licence restricts use (their notice is in the error otherwise). */
  acceptLicence?: boolean;
  /** Proxy variables come from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  onProgress?: (p: PullProgress) => void;
  /** Told when a file already in place is kept or a bad one is replaced. */
  onNote?: (message: string) => void;
  /** Stops the download; what arrived stays in `<file>.part` for the next try. */
  signal?: AbortSignal;
}

export interface PullResult {
  name: string;
  dir: string;
  /** false when the files were already present (and verified) and nothing was downloaded. */
  downloaded: boolean;
}

export class LicenceNotAcceptedError extends Error {}

export function findPullable(name: string, opts: Pick<PullOptions, 'catalog' | 'modelsDir'>): ModelSpec {
  const all = [...(opts.catalog ?? []), ...allModels(opts.modelsDir)];
  const spec = all.find((m) => m.name === name);
  if (!spec) throw new Error(`unknown model ${name}; known: ${all.map((m) => m.name).join(', ')}`);
  return spec;
}

/**
 * Downloads a model's files from their public URLs into `<modelsDir>/<name>/`. Each file goes to
 * `<file>.part` (continued with an HTTP Range request after an interruption), is checked against its
 * sha256 and only then renamed into place, so a partial or tampered file never becomes loadable. A
 * mismatch deletes the partial file and says why. Files with no published checksum get the hash of
 * the downloaded copy recorded (`SHA256SUMS`), and later loads are checked against it.
 */
export async function pullModel(name: string, opts: PullOptions): Promise<PullResult> {
  const spec = findPullable(name, opts);
  if (spec.licenceNotice && !opts.acceptLicence) {
    throw new LicenceNotAcceptedError(`${spec.name} is licensed "${spec.license}".\n${spec.licenceNotice}\nRe-run with --accept-licence to download it.`);
  }
  const found = findModel(spec, opts.modelsDir);
  if (found.resolved) {
    try {
      await verifyModel(found.resolved);
      return { name, dir: found.resolved.dir, downloaded: false };
    } catch (e) {
      if (!(e instanceof ChecksumError) || found.resolved.origin !== 'models-dir') throw e;
      opts.onNote?.(`${e.message}\nDownloading it again.`);
    }
  }
  const dir = modelDir(opts.modelsDir, spec);
  await mkdir(dir, { recursive: true });
  const recorded = readRecordedSums(dir);
  for (const f of spec.files) {
    const url = fileUrl(spec, f, opts.baseUrl);
    if (!url) throw new Error(`model ${name} has no public URL for ${f.path}; copy it by hand into ${dir}`);
    const target = path.join(dir, f.path);
    const part = `${target}.part`;
    await mkdir(path.dirname(target), { recursive: true });
    const got = await downloadToPart(url, part, { env: opts.env, signal: opts.signal, onProgress: (received, total) => opts.onProgress?.({ model: name, file: f.path, received, total }) });
    const want = f.sha256;
    if (want && got !== want) {
      await rm(part, { force: true });
      throw new ChecksumError(
        `checksum mismatch for ${url}: the download has sha256 ${got}, the catalog expects ${want}. ` +
          'The partial file was deleted. The file at the source changed or was corrupted on the way; try again, or use --base-url with a mirror you trust.',
      );
    }
    await rm(target, { force: true });
    await rename(part, target);
    if (!want) recorded.set(f.path, got);
  }
  if (recorded.size > 0) recordSums(dir, recorded);
  const now = findModel(spec, opts.modelsDir);
  if (!now.resolved) throw new Error(now.reason);
  await verifyModel(now.resolved);
  return { name, dir, downloaded: true };
}

/** Names `pull --all` / `pull --feature f` cover: downloadable models (not npm-shipped ones). */
export function pullableNames(modelsDir: string, feature?: string): string[] {
  return allModels(modelsDir)
    .filter((m) => !m.package && m.files.every((f) => f.url || m.url))
    .filter((m) => !feature || m.features.includes(feature as never))
    .map((m) => m.name);
}

export function partialFiles(spec: ModelSpec, modelsDir: string): string[] {
  return spec.files.map((f) => path.join(modelDir(modelsDir, spec), `${f.path}.part`)).filter((p) => existsSync(p));
}
