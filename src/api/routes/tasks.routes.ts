import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FEATURES } from '../../features/table.js';
import type { CreateTaskBody } from '../../tasks/tasks.service.js';
import { checkCallbackUrl } from '../../webhooks/url-policy.js';
import { ApiError } from '../errors.js';
import { clientOf, requireClient } from '../plugins/client-auth.js';
import { errorResponses, Ok, TaskCreated, TaskIdQuery, TaskStatusResult, taskBodySchema } from '../schemas.js';
import type { ApiServices } from '../services.js';
import { priceOf } from '../../config.js';

/** `POST task/{feature}` (run), `GET task/{feature}?task_id=` (poll), and the cancel extension, for every feature path. */
export async function tasksRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const auth = requireClient(services);
  for (const spec of FEATURES) {
    const body = taskBodySchema(spec);
    for (const segment of spec.segments) {
      const hide = segment !== spec.segments[0];
      const base = `/s2s/v1.0/task/${segment}`;
      app.post<{ Body: CreateTaskBody }>(
        base,
        {
          preHandler: auth,
          schema: {
            tags: [spec.title],
            summary: `Run a ${spec.title} task`,
            description: `Costs ${priceOf(services.config, spec.id, spec.price)} credit(s), charged only on success. A repeated request_id with the same files returns the same task.`,
            hide,
            security: [{ bearer: [] }],
            body,
            response: { 200: TaskCreated, ...errorResponses },
          },
        },
        async (req) => {
          if (req.body.callback_url) {
            const problem = await checkCallbackUrl(req.body.callback_url, services.config.webhooks.allowPrivateNetworks);
            if (problem) throw new ApiError('InvalidParameters', problem);
          }
          return { status: 200, result: { task_id: await services.tasks.create(clientOf(req), spec, req.body) } };
        },
      );
      app.get<{ Querystring: { task_id: string } }>(
        base,
        {
          preHandler: auth,
          schema: {
            tags: [spec.title],
            summary: `Check a ${spec.title} task`,
            description: 'Poll at polling_interval: a running task not polled for 10 s is dropped without charge.',
            hide,
            security: [{ bearer: [] }],
            querystring: TaskIdQuery,
            response: { 200: TaskStatusResult, ...errorResponses },
          },
        },
        async (req) => ({ status: 200, result: await services.tasks.poll(clientOf(req), spec, req.query.task_id) }),
      );
      app.post<{ Querystring: { task_id: string } }>(
        `${base}/cancel`,
        {
          preHandler: auth,
          schema: {
            tags: [spec.title],
            summary: `Cancel a ${spec.title} task (Darkroom extension)`,
            description: 'Stops a running task; a cancelled task is never charged. Answers the task status after the call.',
            hide,
            security: [{ bearer: [] }],
            querystring: TaskIdQuery,
            response: { 200: Ok(Type.Object({ task_id: Type.String(), status: Type.String() })), ...errorResponses },
          },
        },
        async (req) => ({ status: 200, result: { task_id: req.query.task_id, status: await services.tasks.cancel(clientOf(req), spec, req.query.task_id) } }),
      );
    }
  }
}
