import type { Logger } from 'pino';
import type { EngineRegistry } from '../engines/registry.js';
import type { EngineFile, EngineJob } from '../engines/engine.js';
import { EngineError, isEngineError } from '../engines/errors.js';
import type { StylesCatalog } from '../styles/service.js';
import { styleOfTask } from './task-style.js';
import { feature as featureSpec, type FeatureId, type FileSetName } from '../features/table.js';
import type { FilesService } from '../files/files.service.js';
import { faultPoint } from '../util/fault.js';
import { SHUTDOWN } from './queue.js';
import { isServiceUnavailable } from '../health/service-health.js';
import { withRetry } from '../util/retry.js';
import type { StoredPayload, TaskResultEntry, TasksService } from './tasks.service.js';
import type { TaskClaims } from './worker-liveness.js';

export interface RunnerOptions {
  timeoutMs: number;
  workerId: string;
  /** Minimum time between two progress writes of one task. */
  progressEveryMs?: number;
  /** Runs one task's engine work as one memory reservation (WorkerPool.asOneTask); default: as is. */
  asOneTask?: <T>(work: () => Promise<T>) => Promise<T>;
  /** How long a step waits for an absent database or storage before the run is given back (default 60 s). */
  serviceRetryMs?: number;
  /** Runs of one task before an infrastructure failure ends it (uncharged) instead of another run (default 3). */
  maxAttempts?: number;
}

/** Executes one queued task: reads its inputs, runs the feature's engine, stores results, ends the task. */
export class TaskRunner {
  /** Tasks this process is running now: a claim of ours on any other task is stray (tasks/requeue.ts). */
  readonly active = new Set<string>();

  constructor(
    private readonly tasks: TasksService,
    private readonly claims: Pick<TaskClaims, 'claim' | 'release'>,
    private readonly files: FilesService,
    private readonly engines: EngineRegistry,
    private readonly styles: StylesCatalog,
    private readonly log: Logger,
    private readonly opts: RunnerOptions,
  ) {}

  /**
   * One step that needs the database or storage: while the service is away it is retried with
   * backoff (the service's own health logs the outage once), for at most `serviceRetryMs`.
   */
  private step<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, { forMs: this.opts.serviceRetryMs ?? 60_000, baseDelayMs: 250, maxDelayMs: 4_000, retryable: isServiceUnavailable, signal });
  }

  readonly handle = async (taskId: string, signal: AbortSignal): Promise<void> => {
    this.active.add(taskId);
    try {
      await this.run(taskId, signal);
    } finally {
      this.active.delete(taskId);
    }
  };

  private async run(taskId: string, signal: AbortSignal): Promise<void> {
    const task = await this.step(() => this.claims.claim(taskId, this.opts.workerId), signal);
    if (!task) return;
    const log = this.log.child({ taskId, feature: task.feature });
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const started = Date.now();
    try {
      const engine = this.engines.get(task.feature as FeatureId);
      if (!engine) throw new EngineError('unknown_internal_error', `no engine for ${task.feature}`);
      const payload = JSON.parse(task.payload) as StoredPayload;
      const job: EngineJob = {
        taskId,
        feature: task.feature as FeatureId,
        files: await this.step(() => this.loadInputs(task.client_id, task.feature as FeatureId, payload), combined),
        params: payload.params ?? {},
        outputExt: payload.output_ext,
        style: styleOfTask(this.styles, task.feature as FeatureId, payload.params ?? {}),
      };
      let lastProgress = 0;
      // One memory reservation for the whole engine run (engines/runtime/memory-governor.ts): between
      // two of its pool calls a task still holds its photo and models.
      const asOneTask = this.opts.asOneTask ?? ((work) => work());
      const outputs = await asOneTask(() =>
        engine.run(job, {
          signal: combined,
          log,
          reportProgress: (p) => {
            const now = Date.now();
            if (now - lastProgress < (this.opts.progressEveryMs ?? 500)) return;
            lastProgress = now;
            void this.tasks.setProgress(taskId, p).catch(() => undefined);
          },
        }),
      );
      if (combined.aborted) throw combined.reason;
      if (outputs.length === 0) throw new EngineError('error_inference', 'the engine produced no result');
      const results: TaskResultEntry[] = [];
      try {
        for (const [i, out] of outputs.entries()) {
          results.push({ file_id: await this.step(() => this.files.storeResult(task.client_id, task.feature, taskId, i, out.data, out.contentType, out.ext), combined), meta: out.meta });
        }
      } catch (e) {
        if (isServiceUnavailable(e)) throw e;
        log.error({ err: e }, 'storing results failed');
        throw new EngineError('error_upload', 'the result could not be stored');
      }
      faultPoint('after-results');
      const charged = await this.step(() => this.tasks.complete(taskId, results));
      log.info({ ms: Date.now() - started, charged }, charged ? 'task succeeded' : 'task finished after it had ended; not charged');
    } catch (e) {
      if (isServiceUnavailable(e) && !signal.aborted) {
        await this.giveBack(task.attempts, taskId, log, e);
      } else if (timeout.aborted && !signal.aborted) {
        await this.step(() => this.tasks.fail(taskId, 'error_inference', `the task did not finish within ${Math.round(this.opts.timeoutMs / 1000)} s`));
      } else if (signal.aborted && signal.reason === SHUTDOWN) {
        // A deliberate stop is not a crash: the run is given back, to resume after the restart.
        await this.step(() => this.claims.release(taskId, this.opts.workerId));
        log.info('task released at shutdown');
      } else if (signal.aborted) {
        log.info('task stopped: dropped or cancelled');
      } else if (isEngineError(e)) {
        log.info({ code: e.code, msg: e.message }, 'task failed');
        await this.step(() => this.tasks.fail(taskId, e.code, e.message));
      } else {
        log.error({ err: e }, 'task crashed');
        await this.step(() => this.tasks.fail(taskId, 'unknown_internal_error', 'an internal error stopped the task'));
      }
    }
  }

  /**
   * A service stayed away longer than the retry budget: not the client's fault, so no engine error.
   * The claim stays until this run ends; then the stray-claim sweep gives the task back and the
   * requeue sweep runs it again. After `maxAttempts` runs it ends, uncharged.
   */
  private async giveBack(attempts: number, taskId: string, log: Logger, e: unknown): Promise<void> {
    if (attempts < (this.opts.maxAttempts ?? 3)) {
      log.warn({ err: e, attempts }, 'a service the task needs is unavailable; the task will run again');
      return;
    }
    log.warn({ err: e, attempts }, 'a service the task needs stayed unavailable; the task ends uncharged');
    await this.step(() => this.tasks.fail(taskId, 'unknown_internal_error', `a service this task needs was unavailable during ${attempts} runs; nothing was charged`));
  }

  private async loadInputs(clientId: string, featureId: FeatureId, payload: StoredPayload): Promise<EngineJob['files']> {
    const out: EngineJob['files'] = {};
    for (const set of featureSpec(featureId).fileSets) {
      const ids = payload.file_sets[set.name as FileSetName] ?? [];
      const files: EngineFile[] = [];
      for (const id of ids) {
        try {
          const [row] = await this.files.ownedFiles(clientId, [id]);
          files.push({ fileId: id, fileName: row.file_name, contentType: row.content_type, data: await this.files.read(row) });
        } catch (e) {
          if (isServiceUnavailable(e)) throw e;
          throw new EngineError(set.role === 'mask' ? 'error_download_mask' : 'error_download_image', `input file ${id} could not be read`);
        }
      }
      if (files.length) out[set.name] = files;
    }
    return out;
  }
}
