import type { Logger } from 'pino';
import type { KeysService } from '../auth/keys.service.js';
import type { Db } from '../db/connect.js';
import type { TasksTable } from '../db/schema.js';
import type { TasksService } from '../tasks/tasks.service.js';
import type { Clock } from '../util/clock.js';
import { randomId } from '../util/ids.js';
import { postJson } from './post.js';
import { signWebhook } from './signature.js';
import { checkCallbackUrl } from './url-policy.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** Seconds to wait before each retry; the last entry ends the attempts. */
const BACKOFF_SEC = [1, 5, 30, 120, 600, 1800];

export interface WebhookOptions {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
}

/**
 * Darkroom extension: when a task created with `callback_url` ends, POST a signed JSON event to it
 * (Standard Webhooks headers), retrying with backoff until a 2xx answer or the attempts run out.
 */
export class WebhooksService {
  private readonly repo: WebhooksRepository;

  constructor(
    db: Db,
    private readonly keys: KeysService,
    private readonly tasks: TasksService,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: WebhookOptions,
  ) {
    this.repo = new WebhooksRepository(db);
  }

  readonly onTaskEnd = (t: TasksTable): void => {
    if (!t.callback_url) return;
    void this.enqueue(t).catch((err) => this.log.error({ err, taskId: t.id }, 'webhook enqueue failed'));
  };

  private async eventBody(t: TasksTable): Promise<string> {
    const status = t.status;
    let results: unknown[] = [];
    if (status === 'success') results = (await this.tasks.view(t)).results;
    return JSON.stringify({
      type: 'task.ended',
      timestamp: new Date(this.clock.now()).toISOString(),
      data: { task_id: t.id, feature: t.feature, status, error: t.error, error_message: t.error_message, results },
    });
  }

  private async enqueue(t: TasksTable): Promise<void> {
    const id = `msg_${randomId(16)}`;
    await this.repo.insert({ id, task_id: t.id, client_id: t.client_id, url: t.callback_url!, body: await this.eventBody(t), attempts: 0, next_attempt_at: this.clock.now(), delivered_at: null, failed_at: null });
    await this.attempt(id);
  }

  /** Delivers every delivery that is due. */
  async sweep(): Promise<void> {
    for (const id of await this.repo.due(this.clock.now(), 50)) await this.attempt(id);
  }

  private async attempt(id: string): Promise<void> {
    const d = await this.repo.get(id);
    if (!d || d.delivered_at !== null || d.failed_at !== null) return;
    // Claim this attempt first so that two sweepers never send the same attempt twice.
    const nextAt = this.clock.now() + (BACKOFF_SEC[d.attempts] ?? 0) * 1000;
    if (!(await this.repo.claimAttempt(id, d.attempts, nextAt))) return;
    let ok = false;
    const problem = await checkCallbackUrl(d.url, this.opts.allowPrivateNetworks);
    if (!problem) {
      const secret = await this.keys.webhookSecret(d.client_id);
      const ts = Math.floor(this.clock.now() / 1000);
      try {
        const status = await postJson(
          d.url,
          {
            'content-type': 'application/json',
            'user-agent': 'Darkroom-Webhooks/1',
            'webhook-id': d.id,
            'webhook-timestamp': String(ts),
            'webhook-signature': signWebhook(secret ?? '', d.id, ts, d.body),
          },
          d.body,
          { timeoutMs: this.opts.timeoutMs, guardAddresses: !this.opts.allowPrivateNetworks },
        );
        ok = status >= 200 && status < 300;
      } catch (err) {
        this.log.info({ err: (err as Error).message, deliveryId: id }, 'webhook attempt failed');
      }
    } else {
      this.log.info({ deliveryId: id, problem }, 'webhook URL refused');
    }
    if (ok) {
      await this.repo.markEnded(id, 'delivered_at', this.clock.now());
    } else if (d.attempts + 1 >= BACKOFF_SEC.length || problem) {
      await this.repo.markEnded(id, 'failed_at', this.clock.now());
    }
  }
}
