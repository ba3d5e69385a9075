import type { Logger } from 'pino';
import type { DarkroomConfig } from '../config.js';
import type { FeatureId, FeatureParams, FileSetName } from '../features/table.js';
import { EngineError } from './errors.js';
import type { DiffusionSettings } from './generative/backends/types.js';

/** One input file as the engine receives it: bytes already read from storage. */
export interface EngineFile {
  fileId: string;
  fileName: string;
  contentType: string;
  data: Buffer;
}

export interface EngineJob<F extends FeatureId = FeatureId> {
  taskId: string;
  feature: F;
  files: Partial<Record<FileSetName, EngineFile[]>>;
  /** The task's `actions[0].params`, validated against the feature contract when the task was created. */
  params: FeatureParams[F];
  /** Requested output format, when the client sent `output_ext`. */
  outputExt?: 'jpg' | 'png';
  /** Styled features: the preset the task's `style_group_id`/`style_ids` name, resolved before the engine runs. */
  style?: StylePreset;
}

/** A style with every catalog default applied (src/styles builds these from its data files). */
export interface StylePreset {
  id: number;
  groupId: number;
  feature: string;
  title: string;
  /** Prompt template; `{prompt}` is the client's prompt (text-to-image). */
  promptTemplate: string;
  negativePrompt: string;
  /** Generation size for text-to-image (and thumbnails). */
  width: number;
  height: number;
  /** Who hair thumbnails show ("woman", "man"). */
  subject: string;
  settings: DiffusionSettings;
}

/**
 * The job's params, typed for the engine's feature. Engines do not parse params: the task service ran
 * every value rule of the feature contract (src/features) at creation, and a task that broke one
 * never reaches an engine.
 */
export function paramsFor<F extends FeatureId>(feature: F, job: EngineJob): FeatureParams[F] {
  if (job.feature !== feature) throw new EngineError('unknown_internal_error', `a ${job.feature} task reached the ${feature} engine`);
  return job.params as FeatureParams[F];
}

/** One result file; a task's results are `results[0].data[i]`, in this order. */
export interface EngineOutput {
  data: Buffer;
  contentType: string;
  ext: string;
  /** Extra JSON fields placed beside `dst_id`/`url` in the result entry (e.g. face boxes). */
  meta?: Record<string, unknown>;
}

export interface EngineRunContext {
  /** Fires when the task is dropped (not polled for 10 s), cancelled or timed out: stop work. */
  signal: AbortSignal;
  /** 0..1, shown to clients that ask for progress. */
  reportProgress(fraction: number): void;
  log: Logger;
}

export interface Availability {
  available: boolean;
  /** Why not, naming what to install or configure. */
  reason?: string;
  /** Which implementation will run (e.g. "esrgan-slim on tfjs-wasm", "classical PatchMatch"). */
  implementation?: string;
}

export interface Engine {
  readonly feature: FeatureId;
  availability(): Availability;
  /** Validates the input files (throwing EngineError with the spec's code) and produces the results. */
  run(job: EngineJob, ctx: EngineRunContext): Promise<EngineOutput[]>;
  /** Loads models ahead of the first task (config `engines.preload`). */
  warmUp?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Runs a function exported by a module inside a worker thread, so inference never blocks the API's
 * event loop. `modulePath` is an absolute file path or file: URL; the worker imports it once and
 * keeps it (and the models it loads) warm.
 */
export interface WorkerPool {
  /**
   * Runs `fn` of a kernel module in one of that module's threads. `threads` caps the module's
   * threads below the pool's size (its first call decides): a kernel whose one call already uses
   * every core, like ISNet, asks for 1 so its model is loaded once. `firstCallMb`: what a call
   * that starts the module's thread is expected to add (its models and working set) until one has
   * been measured; without it the memory governor guesses from the other kernels.
   */
  run<T>(modulePath: string | URL, fn: string, args: unknown, opts?: { signal?: AbortSignal; transferList?: ArrayBuffer[]; threads?: number; firstCallMb?: number }): Promise<T>;
  readonly size: number;
  /**
   * The memory budget leaves room for faster, larger working sets (ISNet's full graph optimisation
   * and arena); false under a tight budget, where kernels stay lean.
   */
  readonly roomyMemory: boolean;
  /** Runs one task's engine work as one memory reservation (see runtime/memory-governor.ts). */
  asOneTask<T>(work: () => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
}

/** The part of the configuration engines read: their own settings and the diffusion backends. */
export type EngineConfig = Pick<DarkroomConfig, 'engines' | 'diffusion'>;

/** What every engine factory receives. */
export interface EngineDeps {
  config: EngineConfig;
  log: Logger;
  pool: WorkerPool;
}

export type EngineFactory = (deps: EngineDeps) => Engine;
