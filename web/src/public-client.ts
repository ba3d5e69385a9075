/**
 * The playground talks to the public API exactly like any client: through `@darkroom/sdk`
 * (client_id + RSA id_token → access token → upload → task → poll). This module is the one seam
 * between the console and the SDK, so the views never depend on the SDK's exact shapes.
 */
import { ApiError, Client, isAbortError, NetworkError, resolveFeature, TaskError } from '../../sdk/src/index.ts';
import type { RunInput as SdkRunInput, RunProgress as SdkProgress } from '../../sdk/src/index.ts';
import { explainError } from './error-text.ts';

export interface RunInput {
  src?: Blob;
  mask?: Blob;
  ref?: Blob | Blob[];
  params?: Record<string, unknown>;
  outputExt?: 'jpg' | 'png';
}

export interface RunProgress {
  stage: 'upload' | 'created' | 'running' | 'done';
  detail?: string;
  /** 0..1 when the engine reports progress. */
  fraction?: number;
}

export interface RunResult {
  taskId?: string;
  urls: string[];
  raw: unknown;
}

export interface StyleGroup {
  id: number;
  title: string;
}

export interface Style {
  id: number;
  title: string;
  thumb?: string;
}

export interface CreditBalance {
  total: number;
  lots: { id: number; type: string; amount: number; expiry: number }[];
}

export interface PublicClient {
  run(feature: string, input: RunInput, opts: { onProgress?: (p: RunProgress) => void; signal?: AbortSignal }): Promise<RunResult>;
  credits(): Promise<CreditBalance>;
  styleGroups(feature: string): Promise<StyleGroup[]>;
  styles(feature: string, groupId: number): Promise<Style[]>;
}

/** A failure from the API or a failed task, carrying the spec's code. */
export class PlaygroundError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PlaygroundError';
  }
  get explanation(): string {
    return explainError(this.code);
  }
}

type SdkInput = { data: Blob; fileName?: string };
const asInput = (b: Blob): SdkInput => ({ data: b, fileName: b instanceof File ? b.name : undefined });

export function createPublicClient(baseUrl: string, clientId: string, clientSecret: string): PublicClient {
  const c = new Client({ baseUrl, clientId, clientSecret });
  return {
    async run(feature, input, opts) {
      const id = resolveFeature(feature);
      if (!id) throw new PlaygroundError('InvalidParameters', `The SDK does not know the feature "${feature}".`);
      const sdkInput: Record<string, unknown> = {};
      if (input.src) sdkInput.src = asInput(input.src);
      if (input.mask) sdkInput.mask = asInput(input.mask);
      if (input.ref) sdkInput.ref = Array.isArray(input.ref) ? input.ref.map(asInput) : asInput(input.ref);
      if (input.params) sdkInput.params = input.params;
      if (input.outputExt) sdkInput.outputExt = input.outputExt;
      // The playground builds inputs per feature at run time, so the SDK's per-feature typing cannot follow it here.
      const r = await wrap(() => c.run(id, sdkInput as SdkRunInput<typeof id>, { signal: opts.signal, onProgress: (p) => opts.onProgress?.(toProgress(p)) }));
      return { taskId: r.taskId, urls: r.outputs.map((o) => o.url).filter((u): u is string => typeof u === 'string'), raw: r };
    },
    async credits() {
      const lots = await wrap(() => c.credits());
      return { total: lots.reduce((s, l) => s + l.amount, 0), lots: lots.map((l) => ({ id: Number(l.id), type: String(l.type), amount: l.amount, expiry: l.expiry })) };
    },
    async styleGroups(feature) {
      const groups = await wrap(() => collect(c.styleGroups(feature)));
      return groups.map((g) => ({ id: Number(g.id), title: g.info?.title ?? `Group ${String(g.id)}` }));
    },
    async styles(feature, groupId) {
      const styles = await wrap(() => collect(c.styles(feature, groupId)));
      return styles.map((s) => ({ id: Number(s.id), title: s.info?.title ?? `Style ${String(s.id)}`, thumb: typeof s.info?.thumb === 'string' ? s.info.thumb : undefined }));
    },
  };
}

async function collect<T>(items: AsyncIterable<T>, max = 500): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toPlaygroundError(e);
  }
}

/** Normalises what the SDK throws (HTTP envelope errors, failed tasks, network, abort) into one shape. */
export function toPlaygroundError(e: unknown): PlaygroundError {
  if (e instanceof PlaygroundError) return e;
  if (e instanceof ApiError) return new PlaygroundError(e.code, e.message, e.status);
  if (e instanceof TaskError) return new PlaygroundError(e.code, e.message);
  if (isAbortError(e)) return new PlaygroundError('Cancelled', 'The run was cancelled; the task was cancelled on the server too.');
  if (e instanceof NetworkError) return new PlaygroundError('NetworkError', e.message);
  return new PlaygroundError(undefined, e instanceof Error ? e.message : String(e));
}

function toProgress(p: SdkProgress): RunProgress {
  switch (p.stage) {
    case 'upload':
      return { stage: 'upload', detail: `${p.uploaded}/${p.total} files` };
    case 'created':
      return { stage: 'created', detail: `task ${p.taskId}` };
    case 'running':
      return { stage: 'running', detail: `poll ${p.polls}${typeof p.progress === 'number' ? `, ${Math.round(p.progress * 100)}%` : ''}`, fraction: p.progress };
    case 'done':
      return { stage: 'done' };
  }
}
