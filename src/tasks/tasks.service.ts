import { DomainError } from '../errors.js';
import { CreditsExhaustedError, type CreditsService } from '../billing/credits.service.js';
import type { Db } from '../db/connect.js';
import type { TasksTable, TaskStatus } from '../db/schema.js';
import type { FeatureSpec, FileSetName } from '../features/table.js';
import type { FileRow, FilesService } from '../files/files.service.js';
import type { Clock } from '../util/clock.js';
import { canonicalJson, randomId, sha256Hex } from '../util/ids.js';
import type { TaskQueue } from './queue.js';
import { faultPoint } from '../util/fault.js';
import { checkTaskRequest, checkValueRules, type TaskRequestBody } from '../features/validation.js';
import { abandonmentPaused } from './abandonment.js';
import type { ServiceHealth } from '../health/service-health.js';
import { TasksRepository, type TaskKey } from './tasks.repository.js';

export type CreateTaskBody = TaskRequestBody;

export interface TaskResultEntry {
  file_id: string;
  meta?: Record<string, unknown>;
}

export interface TaskView {
  polling_interval: number;
  status: 'running' | 'success' | 'error';
  error: string | null;
  error_message: string | null;
  results: { id: number; data: ({ dst_id: string; url: string } & Record<string, unknown>)[] }[];
  /** Darkroom extension: 0..1 while running. */
  progress?: number;
}

export interface StoredPayload {
  file_sets: Partial<Record<FileSetName, string[]>>;
  action_id: number;
  /** As the feature contract returned them (numeric strings read, empty values dropped), or as sent when they broke a rule. */
  params: Record<string, unknown>;
  output_ext?: 'jpg' | 'png';
}

/** Observers of tasks reaching an end state (webhooks, metrics). */
export type TaskEndListener = (task: TasksTable) => void;

export interface TasksOptions {
  pollingIntervalMs: number;
  abandonAfterMs: number;
  price: (spec: FeatureSpec) => number;
  /** Credit-history action written when a task of this feature is charged. */
  action: (featureId: string) => string;
}

const TERMINAL_MESSAGE: Record<string, string> = {
  dropped: 'was dropped because it was not polled for 10 seconds; no credits were charged',
  cancelled: 'was cancelled; no credits were charged',
};

/**
 * Task lifecycle: idempotent creation with a credit hold, polling with the 10-s abandonment rule,
 * and the end transitions (success charges once, in the same transaction that marks it done).
 */
export class TasksService {
  private queue?: TaskQueue;
  private readonly endListeners: TaskEndListener[] = [];
  private readonly repo: TasksRepository;
  /** The 10-s rule pauses around database outages (tasks/abandonment.ts). */
  private readonly dbHealth: ServiceHealth;

  constructor(
    db: Db,
    private readonly credits: CreditsService,
    private readonly files: FilesService,
    private readonly clock: Clock,
    private readonly opts: TasksOptions,
  ) {
    this.repo = new TasksRepository(db);
    this.dbHealth = db.health;
  }

  attachQueue(queue: TaskQueue): void {
    this.queue = queue;
  }

  onTaskEnd(listener: TaskEndListener): void {
    this.endListeners.push(listener);
  }

  /** Steps 2–4 of the validation pipeline (features/validation.ts), then the idempotency key. */
  private parseBody(clientId: string, spec: FeatureSpec, body: CreateTaskBody): { payload: StoredPayload; ids: string[]; key: TaskKey; paramsHash: string } {
    const req = checkTaskRequest(spec, body);
    const payload: StoredPayload = { file_sets: req.fileSets, action_id: req.actionId, params: req.params, output_ext: req.outputExt };
    const paramsHash = sha256Hex(canonicalJson({ params: req.params, output_ext: payload.output_ext ?? null, action_id: payload.action_id }));
    // With no input files (text-to-image) the params are the input: a new prompt under a reused
    // request_id (many clients always send 0) is a new task, not a conflict.
    const inputKey = spec.fileSets.length
      ? spec.fileSets.map((s) => `${s.name}=${(req.fileSets[s.name] ?? []).join(',')}`).join(';')
      : `params=${paramsHash}`;
    return { payload, ids: req.fileIds, key: { clientId, feature: spec.id, requestId: req.requestId, inputKey }, paramsHash };
  }

  private sameOrConflict(existing: { id: string; params_hash: string }, paramsHash: string): string {
    if (existing.params_hash !== paramsHash) {
      throw new DomainError('RequestIdConflict', 'this request_id was already used with the same files but different params: use a new request_id to run again');
    }
    return existing.id;
  }

  /** Creates (or, for a repeated request_id with the same files, finds) a task; never runs or charges twice. */
  async create(clientId: string, spec: FeatureSpec, body: CreateTaskBody): Promise<string> {
    const { payload, ids, key, paramsHash } = this.parseBody(clientId, spec, body);
    const existing = await this.repo.findByKey(key);
    if (existing) return this.sameOrConflict(existing, paramsHash);

    // Step 5 of the validation pipeline: the files.
    const inputs: FileRow[] = await this.files.ownedFiles(clientId, ids);
    await this.files.assertUploaded(inputs);
    // Step 6, once, before any credit hold: a broken value rule ends the task at once with the task
    // error clients of the source document expect (invalid_parameter naming the field).
    const checked = checkValueRules(spec.id, payload.params, payload.file_sets);
    if ('params' in checked) payload.params = checked.params;
    const price = this.opts.price(spec);
    const now = this.clock.now();
    const taskId = randomId(32);
    const created = await this.credits.lockAndRun(clientId, async (trx) => {
      const again = await this.repo.findByKey(key, trx);
      if (again) return { id: this.sameOrConflict(again, paramsHash), isNew: false };
      const refused = 'problem' in checked ? checked.problem : undefined;
      if (!refused) {
        const available = await this.credits.available(clientId, trx);
        if (available < price) {
          throw new DomainError('CreditInsufficiency', `${spec.title} costs ${price} credit(s); available balance is ${Math.max(0, available)}`);
        }
      }
      await this.repo.insert(
        {
          id: taskId,
          client_id: clientId,
          feature: spec.id,
          request_id: key.requestId,
          input_key: key.inputKey,
          params_hash: paramsHash,
          payload: JSON.stringify(payload),
          status: refused ? 'error' : 'running',
          error: refused ? 'invalid_parameter' : null,
          error_message: refused?.message ?? null,
          price,
          hold: refused ? 0 : price,
          progress: 0,
          results: null,
          callback_url: body.callback_url ?? null,
          created_at: now,
          finished_at: refused ? now : null,
          last_polled_at: now,
          attempts: 0,
          claimed_by: null,
          claimed_at: null,
        },
        trx,
      );
      return { id: taskId, isNew: true, refused: Boolean(refused) };
    });
    if (created.isNew && created.refused) {
      await this.notifyEnd(created.id);
      return created.id;
    }
    if (created.isNew) {
      // The row is the task; the queue only derives from it. A job the queue could not take now is
      // enqueued by the requeue sweep as soon as the queue is back (tasks/requeue.ts).
      await this.queue!.enqueue(created.id, spec.id, clientId).catch(() => undefined);
      // The client's 10 s start when it receives the id, not when the row was written.
      if (this.clock.now() - now > 1000) await this.repo.updateRunning(created.id, { last_polled_at: this.clock.now() });
    }
    return created.id;
  }

  async get(taskId: string): Promise<TasksTable | undefined> {
    return this.repo.get(taskId);
  }

  /** The caller's task of this feature; anything else answers like an unknown id. */
  private async owned(clientId: string, spec: FeatureSpec, taskId: string): Promise<TasksTable> {
    const t = taskId ? await this.get(taskId) : undefined;
    if (!t || t.client_id !== clientId || t.feature !== spec.id) throw new DomainError('InvalidTaskId', `task_id ${taskId || '(empty)'} is unknown`, true);
    return t;
  }

  async poll(clientId: string, spec: FeatureSpec, taskId: string): Promise<TaskView> {
    let t = await this.owned(clientId, spec, taskId);
    const now = this.clock.now();
    if (t.status === 'running') {
      if (this.isAbandoned(t, now)) {
        await this.endWithoutCharge(t.id, 'dropped');
        t = (await this.get(t.id))!;
      } else {
        await this.repo.updateRunning(t.id, { last_polled_at: now });
        t = (await this.get(t.id))!;
      }
    }
    return this.view(t);
  }

  private isAbandoned(t: TasksTable, now: number): boolean {
    return t.status === 'running' && t.callback_url === null && now - t.last_polled_at > this.opts.abandonAfterMs && !abandonmentPaused(this.dbHealth, this.opts.abandonAfterMs);
  }

  async view(t: TasksTable): Promise<TaskView> {
    const base = { polling_interval: this.opts.pollingIntervalMs };
    switch (t.status as TaskStatus) {
      case 'running':
        return { ...base, status: 'running', error: null, error_message: null, results: [], progress: t.progress };
      case 'error':
        return { ...base, status: 'error', error: t.error, error_message: t.error_message, results: [] };
      case 'success': {
        const payload = JSON.parse(t.payload) as StoredPayload;
        const entries = JSON.parse(t.results ?? '[]') as TaskResultEntry[];
        const urls = await this.files.resultUrls(entries.map((e) => e.file_id));
        const data = entries.filter((e) => urls.has(e.file_id)).map((e) => ({ ...(e.meta ?? {}), dst_id: e.file_id, url: urls.get(e.file_id)! }));
        if (data.length < entries.length) throw new DomainError('InvalidTaskId', 'the results of this task have expired (results are kept 30 days)');
        return { ...base, status: 'success', error: null, error_message: null, results: [{ id: payload.action_id, data }] };
      }
      default:
        throw new DomainError('InvalidTaskId', `task ${t.id} ${TERMINAL_MESSAGE[t.status] ?? 'is no longer available'}`);
    }
  }

  /** Darkroom extension: stops a running task; it is never charged. */
  async cancel(clientId: string, spec: FeatureSpec, taskId: string): Promise<TaskStatus> {
    const t = await this.owned(clientId, spec, taskId);
    if (t.status !== 'running') return t.status;
    const ended = await this.endWithoutCharge(t.id, 'cancelled');
    return ended ? 'cancelled' : ((await this.get(t.id))?.status ?? 'cancelled');
  }

  /** Drops every running task nobody polled for 10 s. */
  async sweepAbandoned(): Promise<string[]> {
    if (abandonmentPaused(this.dbHealth, this.opts.abandonAfterMs)) return [];
    const limit = this.clock.now() - this.opts.abandonAfterMs;
    const ids = await this.repo.unpolledSince(limit);
    const dropped: string[] = [];
    for (const id of ids) if (await this.endWithoutCharge(id, 'dropped')) dropped.push(id);
    return dropped;
  }

  private async endWithoutCharge(taskId: string, status: 'dropped' | 'cancelled'): Promise<boolean> {
    const ended = await this.repo.updateRunning(taskId, { status, hold: 0, finished_at: this.clock.now() });
    if (ended) {
      await this.queue?.cancel(taskId);
      await this.notifyEnd(taskId);
    }
    return ended;
  }

  /**
   * Marks the task successful and charges it, in one transaction. Returns false when the task had
   * already ended (dropped, cancelled, failed): then nothing is charged.
   */
  async complete(taskId: string, results: TaskResultEntry[]): Promise<boolean> {
    const t = await this.get(taskId);
    if (!t || t.status !== 'running') return false;
    try {
      const done = await this.credits.lockAndRun(t.client_id, async (trx) => {
        const ended = await this.repo.updateRunning(taskId, { status: 'success', hold: 0, progress: 1, results: JSON.stringify(results), finished_at: this.clock.now() }, trx);
        if (!ended) return false;
        faultPoint('mid-charge');
        if (t.price > 0) await this.credits.chargeInTransaction(trx, t.client_id, t.price, this.opts.action(t.feature), taskId);
        return true;
      });
      if (done) await this.notifyEnd(taskId);
      return done;
    } catch (e) {
      if (e instanceof CreditsExhaustedError) {
        await this.fail(taskId, 'unknown_internal_error', 'the credits that covered this task expired before it finished; nothing was charged');
        return false;
      }
      throw e;
    }
  }

  async fail(taskId: string, code: string, message: string): Promise<boolean> {
    const ended = await this.repo.updateRunning(taskId, { status: 'error', hold: 0, error: code, error_message: message, finished_at: this.clock.now() });
    if (ended) await this.notifyEnd(taskId);
    return ended;
  }

  async setProgress(taskId: string, progress: number): Promise<void> {
    await this.repo.updateRunning(taskId, { progress: Math.max(0, Math.min(1, progress)) });
  }

  /** Recent tasks for the console (admin extension). */
  async recent(opts: { clientId?: string; limit: number }): Promise<TasksTable[]> {
    return this.repo.recent(opts);
  }

  private async notifyEnd(taskId: string): Promise<void> {
    if (this.endListeners.length === 0) return;
    const t = await this.get(taskId);
    if (t) for (const l of this.endListeners) l(t);
  }
}
