import type { Logger } from 'pino';
import { DomainError } from '../errors.js';

/** A request or run could not reach a service this process depends on; answered as 503, never charged. */
export class ServiceUnavailableError extends DomainError {
  /** `detail` is for the log only: driver messages name hosts and ports. */
  constructor(
    readonly service: string,
    readonly detail?: string,
  ) {
    super('ServiceUnavailable', `the ${service} is unavailable; try again shortly`);
  }
}

export function isServiceUnavailable(e: unknown): e is ServiceUnavailableError {
  return e instanceof ServiceUnavailableError;
}

export interface ServiceHealthOptions {
  /** Asked while the service is down, until it answers; the service is up again only once it does. */
  probe?: () => Promise<unknown>;
  probeEveryMs?: number;
}

type RecoveryHook = () => Promise<void> | void;

/**
 * What this process knows of one service (database, queue, storage): up, or down since when. Paths
 * that need the service ask it first, so while it is away they fail at once instead of waiting on
 * a driver's reconnect. The loss and the return are logged once each, at warn; hooks (the requeue
 * sweep) run on the return.
 */
export class ServiceHealth {
  private downSince?: number;
  private lastError = '';
  private probing?: NodeJS.Timeout;
  private readonly hooks: RecoveryHook[] = [];
  private closed = false;
  /** When the service last came back (0: never lost). */
  recoveredAt = 0;

  constructor(
    readonly service: string,
    private readonly log: Logger,
    private readonly opts: ServiceHealthOptions = {},
  ) {}

  get up(): boolean {
    return this.downSince === undefined;
  }

  onRecovered(hook: RecoveryHook): void {
    this.hooks.push(hook);
  }

  /** Throws ServiceUnavailableError while the service is down. */
  assertUp(): void {
    if (!this.up) throw new ServiceUnavailableError(this.service, this.lastError);
  }

  markDown(err?: unknown): void {
    if (this.closed) return;
    if (err) this.lastError = describe(err);
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.log.warn({ service: this.service, err: this.lastError }, `${this.service} lost`);
    if (this.opts.probe) this.scheduleProbe();
  }

  /** The service answered again: it counts as up, then the recovery hooks run (a failing one marks it down again). */
  async markUp(): Promise<void> {
    if (this.downSince === undefined || this.closed) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = undefined;
    this.lastError = '';
    this.recoveredAt = Date.now();
    this.log.warn({ service: this.service, downForMs }, `${this.service} back`);
    for (const hook of this.hooks) {
      try {
        await hook();
      } catch (e) {
        this.log.warn({ service: this.service, err: describe(e) }, `${this.service} recovery step failed`);
        this.markDown(e);
        return;
      }
    }
  }

  private scheduleProbe(): void {
    if (this.probing || this.closed) return;
    this.probing = setTimeout(() => {
      this.probing = undefined;
      void this.opts.probe!().then(
        () => this.markUp(),
        (e: unknown) => {
          this.lastError = describe(e);
          this.scheduleProbe();
        },
      );
    }, this.opts.probeEveryMs ?? 500);
    this.probing.unref();
  }

  close(): void {
    this.closed = true;
    if (this.probing) clearTimeout(this.probing);
  }
}

function describe(e: unknown): string {
  if (e instanceof ServiceUnavailableError) return e.detail ?? e.message;
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ${e.message}` : e.message;
  return String(e);
}
