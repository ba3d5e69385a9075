/**
 * `darkroom run <feature> [input]`: runs a feature through the SDK against any YCE-compatible
 * server, on one file (progress bar) or on every photo of a folder (bounded concurrency, summary
 * table). The CLI is a plain API client here: it talks to the server over HTTP like any other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import {
  ApiError, Client, FEATURES, FEATURE_IDS, TaskError, resolveFeature,
  type FeatureId, type RunProgress, type RunResult,
} from '@darkroom/sdk';
import type { CliContext } from '../context.js';

export interface ConnectionOptions {
  url?: string;
  clientId?: string;
  clientSecret?: string;
}

/** Where the CLI finds a server and a key when no flag or variable names them: the local install's config. */
export interface ConnectionDefaults {
  baseUrl: string;
  /** The dev key `darkroom serve` writes on first start, if any. */
  devKeyFile?: string;
}

export function connectionDefaults(ctx: CliContext): ConnectionDefaults {
  try {
    const c = ctx.config();
    return { baseUrl: c.publicUrl || `http://127.0.0.1:${c.port}`, devKeyFile: path.join(c.dataDir, 'secrets', 'dev-key.json') };
  } catch {
    return { baseUrl: 'http://127.0.0.1:8080' };
  }
}

/** Server and key from flags, else DARKROOM_URL / DARKROOM_CLIENT_ID / DARKROOM_CLIENT_SECRET, else the local dev key. */
export function clientFromOptions(opts: ConnectionOptions, defaults: ConnectionDefaults, env: NodeJS.ProcessEnv = process.env): Client {
  const baseUrl = opts.url ?? env.DARKROOM_URL ?? defaults.baseUrl;
  let clientId = opts.clientId ?? env.DARKROOM_CLIENT_ID;
  let clientSecret = opts.clientSecret ?? env.DARKROOM_CLIENT_SECRET;
  if ((!clientId || !clientSecret) && defaults.devKeyFile && existsSync(defaults.devKeyFile)) {
    const dev = JSON.parse(readFileSync(defaults.devKeyFile, 'utf8')) as { clientId?: string; clientSecret?: string };
    clientId ??= dev.clientId;
    clientSecret ??= dev.clientSecret;
  }
  if (!clientId || !clientSecret) {
    throw new Error('an API key is needed: pass --client-id and --client-secret, or set DARKROOM_CLIENT_ID and DARKROOM_CLIENT_SECRET');
  }
  return new Client({ baseUrl, clientId, clientSecret });
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'server URL (env DARKROOM_URL, default http://127.0.0.1:8080)')
    .option('--client-id <id>', 'API key client_id (env DARKROOM_CLIENT_ID)')
    .option('--client-secret <secret>', 'API key client_secret (env DARKROOM_CLIENT_SECRET)');
}

/** `k=v` pairs to params; values that parse as JSON (numbers, arrays, objects) are taken as JSON. */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--param expects key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    params[key] = value;
  }
  return params;
}

const INPUT_EXTS: Record<string, readonly string[]> = {
  image: ['.jpg', '.jpeg', '.png', '.heic', '.heif'],
  video: ['.mp4', '.mov', '.m4v'],
};

/** The photos (or videos, for video features) of a folder, sorted by name. */
export async function listBatchInputs(dir: string, feature: FeatureId): Promise<string[]> {
  const exts = feature === 'video-sr' ? INPUT_EXTS.video : INPUT_EXTS.image;
  const names = await readdir(dir);
  const files: string[] = [];
  for (const name of names.sort()) {
    if (!exts.includes(path.extname(name).toLowerCase())) continue;
    const full = path.join(dir, name);
    if ((await stat(full)).isFile()) files.push(full);
  }
  return files;
}

/** Output extension from the result's leading bytes (what the server actually returned). */
export function extensionOf(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes.length > 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp') return 'mp4';
  return 'bin';
}

/** `photo.jpg` + `sod` → `photo.sod.png`; further outputs get `-2`, `-3`… */
export function outputName(input: string | undefined, feature: FeatureId, index: number, ext: string): string {
  const base = input ? path.basename(input, path.extname(input)) : 'result';
  const tag = feature.replace(/\//g, '-');
  return `${base}.${tag}${index > 0 ? `-${index + 1}` : ''}.${ext}`;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the input order in the result. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export interface RowResult {
  input: string;
  ok: boolean;
  seconds: number;
  taskId?: string;
  /** Written files on success, the error on failure. */
  detail: string;
}

/** A plain aligned table: file, status, seconds, task, outputs or error. */
export function formatSummary(rows: readonly RowResult[]): string {
  const table = [
    ['file', 'status', 'seconds', 'task', 'output / error'],
    ...rows.map((r) => [path.basename(r.input), r.ok ? 'ok' : 'FAILED', r.seconds.toFixed(1), r.taskId ? r.taskId.slice(0, 12) : '-', r.detail]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ');
  const ok = rows.filter((r) => r.ok).length;
  return [line(table[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line), '', `${ok} succeeded, ${rows.length - ok} failed`].join('\n');
}

export function describeError(err: unknown): string {
  if (err instanceof TaskError) return `${err.code}: ${err.message}`;
  if (err instanceof ApiError) return `HTTP ${err.status} ${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export interface RunJob {
  feature: FeatureId;
  input?: string;
  mask?: string;
  refs: string[];
  params: Record<string, unknown>;
  outputExt?: 'jpg' | 'png';
}

/** Uploads, runs and downloads one job; writes every output (and a JSON file for data-only results). */
export async function runJob(
  client: Client,
  job: RunJob,
  out: { dir: string; file?: string },
  onProgress?: (p: RunProgress) => void,
  signal?: AbortSignal,
): Promise<{ result: RunResult; written: string[] }> {
  const read = async (p: string) => ({ data: await readFile(p), fileName: path.basename(p) });
  const input = {
    ...(job.input ? { src: await read(job.input) } : {}),
    ...(job.mask ? { mask: await read(job.mask) } : {}),
    ...(job.refs.length > 0 ? { ref: await Promise.all(job.refs.map(read)) } : {}),
    params: job.params,
    ...(job.outputExt ? { outputExt: job.outputExt } : {}),
  };
  // The CLI takes params as untyped k=v pairs; the server validates them.
  const result = await client.run(job.feature, input as never, { onProgress, signal });
  const written: string[] = [];
  await mkdir(out.dir, { recursive: true });
  for (const [i, o] of result.outputs.entries()) {
    if (!o.url) continue;
    const bytes = await o.download(signal);
    const target = out.file && i === 0 ? out.file : path.join(out.dir, outputName(job.input, job.feature, i, extensionOf(bytes)));
    await writeFile(target, bytes);
    written.push(target);
  }
  // Results with data beyond the file (face detection's faces) are kept as JSON beside the image.
  const extra = result.outputs.some((o) => Object.keys(o.data).some((k) => k !== 'dst_id' && k !== 'url'));
  if (extra || written.length === 0) {
    const target = path.join(out.dir, outputName(job.input, job.feature, 0, 'json'));
    await writeFile(target, JSON.stringify(result.results, null, 2) + '\n');
    written.push(target);
  }
  return { result, written };
}

function progressValue(p: RunProgress): { value: number; stage: string } {
  switch (p.stage) {
    case 'upload':
      return { value: p.total ? Math.round((10 * p.uploaded) / p.total) : 10, stage: `uploading ${p.uploaded}/${p.total}` };
    case 'created':
      return { value: 12, stage: 'queued' };
    case 'running':
      // Servers that report progress drive the bar; otherwise it creeps so the user sees polls land.
      return {
        value: p.progress !== undefined ? 12 + Math.round(86 * p.progress) : Math.min(95, 12 + p.polls * 4),
        stage: `running (${(p.elapsedMs / 1000).toFixed(0)} s)`,
      };
    case 'done':
      return { value: 100, stage: 'done' };
  }
}

export interface RunCliOptions extends ConnectionOptions {
  mask?: string;
  ref: string[];
  param: string[];
  output?: string;
  ext?: 'jpg' | 'png';
  concurrency: string;
}

const collect = (v: string, acc: string[]) => [...acc, v];

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress bars draw here; tests pass a sink. */
  stream?: NodeJS.WritableStream;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function runCommand(featureArg: string, inputArg: string | undefined, opts: RunCliOptions, client: Client, io: Io = stdio): Promise<number> {
  const feature = resolveFeature(featureArg);
  if (!feature) throw new Error(`unknown feature "${featureArg}"; one of: ${FEATURE_IDS.join(', ')}`);
  const params = parseParams(opts.param);
  const base = { feature, mask: opts.mask, refs: opts.ref, params, outputExt: opts.ext };
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const isDir = inputArg !== undefined && (await stat(inputArg)).isDirectory();
    if (!isDir) {
      if (!inputArg && FEATURES[feature].inputs.src) throw new Error(`${feature} needs an input file`);
      const single = opts.output && !opts.output.endsWith(path.sep) && path.extname(opts.output) !== '';
      const out = single ? { dir: path.dirname(opts.output!), file: opts.output } : { dir: opts.output ?? '.' };
      const bar = new cliProgress.SingleBar({ format: `${feature} [{bar}] {percentage}% | {stage}`, hideCursor: true, clearOnComplete: false, stream: io.stream }, cliProgress.Presets.shades_classic);
      bar.start(100, 0, { stage: 'starting' });
      try {
        const { result, written } = await runJob(client, { ...base, input: inputArg }, out, (p) => {
          const { value, stage } = progressValue(p);
          bar.update(value, { stage });
        }, ac.signal);
        bar.update(100, { stage: 'done' });
        bar.stop();
        io.out(`task ${result.taskId}\n${written.map((w) => `wrote ${w}`).join('\n')}\n`);
        return 0;
      } catch (err) {
        bar.stop();
        io.err(`failed: ${describeError(err)}\n`);
        return 1;
      }
    }

    const files = await listBatchInputs(inputArg!, feature);
    if (files.length === 0) throw new Error(`no input files in ${inputArg}`);
    const outDir = opts.output ?? `${inputArg!.replace(/\/+$/, '')}-${feature.replace(/\//g, '-')}`;
    const limit = Math.max(1, Number(opts.concurrency) || 2);
    const bar = new cliProgress.SingleBar({ format: `${feature} [{bar}] {value}/{total} files | ok {ok} | failed {failed}`, hideCursor: true, stream: io.stream }, cliProgress.Presets.shades_classic);
    let ok = 0;
    let failed = 0;
    bar.start(files.length, 0, { ok, failed });
    const rows = await mapBounded(files, limit, async (file): Promise<RowResult> => {
      const started = Date.now();
      try {
        const { result, written } = await runJob(client, { ...base, input: file }, { dir: outDir }, undefined, ac.signal);
        ok++;
        return { input: file, ok: true, seconds: (Date.now() - started) / 1000, taskId: result.taskId, detail: written.map((w) => path.basename(w)).join(', ') };
      } catch (err) {
        failed++;
        return { input: file, ok: false, seconds: (Date.now() - started) / 1000, detail: describeError(err) };
      } finally {
        bar.increment(1, { ok, failed });
      }
    });
    bar.stop();
    io.out(`${formatSummary(rows)}\noutputs in ${outDir}\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .description('run an AI feature on a photo, or on every photo of a folder, through the API')
    .argument('<feature>', `feature: ${FEATURE_IDS.join(', ')}`)
    .argument('[input]', 'input file or folder (none for text-to-image)')
    .option('--mask <file>', 'mask image (obj-removal, obj-replace)')
    .option('--ref <file>', 'reference image (mu-trans-rec, face-swap; repeatable)', collect, [] as string[])
    .option('-p, --param <key=value>', 'task parameter, JSON values allowed (repeatable), e.g. scale=2 style_ids=[3]', collect, [] as string[])
    .option('-o, --output <path>', 'output file, or folder for several outputs and batches')
    .option('--ext <jpg|png>', 'output format')
    .option('-c, --concurrency <n>', 'tasks at a time in batch mode', '2');
  addConnectionOptions(cmd).action(async (feature: string, input: string | undefined, opts: RunCliOptions) => {
    process.exitCode = await runCommand(feature, input, opts, clientFromOptions(opts, connectionDefaults(ctx)));
  });
}
