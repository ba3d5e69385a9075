import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TasksTable } from '../db/schema.js';

/** Seconds; color correction ends in well under a second, diffusion in minutes. */
const TASK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Prometheus metrics of one process. Each process counts what it does itself (an API instance its
 * requests, a worker the tasks it ends), so Prometheus sums over instances without double counting.
 * One registry per Darkroom instance, so several can live in one test process.
 */
export class DarkroomMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly taskDuration: Histogram<'feature' | 'status'>;
  private readonly tasksEnded: Counter<'feature' | 'status'>;
  private readonly taskFailures: Counter<'feature' | 'error'>;
  private readonly creditsCharged: Counter<'feature'>;

  constructor(opts: { role: 'api' | 'worker' | 'embedded'; queueDepth?: () => Promise<number>; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ role: opts.role });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'darkroom_' });
    this.httpRequests = new Counter({ name: 'darkroom_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'darkroom_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: HTTP_BUCKETS, registers });
    this.taskDuration = new Histogram({
      name: 'darkroom_task_duration_seconds',
      help: 'Time from claim (or creation) to the end of a task, per feature and end status',
      labelNames: ['feature', 'status'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.tasksEnded = new Counter({ name: 'darkroom_tasks_ended_total', help: 'Tasks that reached an end state in this process', labelNames: ['feature', 'status'], registers });
    this.taskFailures = new Counter({ name: 'darkroom_task_failures_total', help: 'Tasks that ended in error, per error code', labelNames: ['feature', 'error'], registers });
    this.creditsCharged = new Counter({ name: 'darkroom_credits_charged_total', help: 'Credits charged for successful tasks', labelNames: ['feature'], registers });
    const depth = opts.queueDepth;
    if (depth) {
      new Gauge({
        name: 'darkroom_queue_depth',
        help: 'Tasks waiting or running in the queue (the whole cluster with Redis)',
        registers,
        async collect() {
          this.set(await depth());
        },
      });
    }
  }

  /**
   * Inference threads started per kernel module: each start loads that kernel's models, so a rise
   * after warm-up is a reload (the memory budget or the keep-warm time ended a warm thread).
   */
  countThreadStarts(source: { threadStarts(): ReadonlyMap<string, number> }): void {
    new Gauge({
      name: 'darkroom_engine_thread_starts',
      help: 'Inference threads started per kernel module since start-up (each loads that kernel\'s models)',
      labelNames: ['kernel'],
      registers: [this.registry],
      collect() {
        for (const [module, n] of source.threadStarts()) this.set({ kernel: module.replace(/^.*\/(?:src|dist)\//, '').replace(/\.[jt]s$/, '') }, n);
      },
    });
  }

  /** Task end listener (TasksService.onTaskEnd). */
  readonly onTaskEnd = (t: TasksTable): void => {
    const ended = t.finished_at ?? Date.now();
    const since = t.claimed_at ?? t.created_at;
    this.taskDuration.observe({ feature: t.feature, status: t.status }, Math.max(0, ended - since) / 1000);
    this.tasksEnded.inc({ feature: t.feature, status: t.status });
    if (t.status === 'error') this.taskFailures.inc({ feature: t.feature, error: t.error ?? 'unknown' });
    if (t.status === 'success' && t.price > 0) this.creditsCharged.inc({ feature: t.feature }, t.price);
  };

  /** Counts every request by its route pattern (never the raw URL: ids would explode the label set). */
  installHttp(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      const labels = { method: req.method, route };
      this.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
      this.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
      reply.type(this.registry.contentType);
      return this.registry.metrics();
    });
  }

  /** A metrics-only listener for processes without the HTTP API (`darkroom worker --metrics-port`). */
  async serve(port: number, host = '0.0.0.0'): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
    return server;
  }
}
