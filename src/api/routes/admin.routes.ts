import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { featureDownloads } from '../../engines/models/auto-pull.js';
import { FEATURES, type FileSetSpec } from '../../features/table.js';
import { ApiError } from '../errors.js';
import { requireAdmin } from '../plugins/client-auth.js';
import { errorResponses } from '../schemas.js';
import type { ApiServices } from '../services.js';
import { priceOf } from '../../config.js';
import { featureStatus } from '../../engines/routing/status.js';

const LoginBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
const KeyBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const GrantBody = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    type: Type.Optional(Type.Union([Type.Literal('SubsToken'), Type.Literal('PaygToken')])),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
  },
  { additionalProperties: false },
);
const ClientParam = Type.Object({ client_id: Type.String({ maxLength: 128 }) });
const HistoryPageQuery = Type.Object({ starting_token: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })), page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 30 })) });
const TasksQuery = Type.Object({ client_id: Type.Optional(Type.String({ maxLength: 128 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) });

/** The operator API behind the web console (Darkroom extension, not part of the YCE protocol). */
export async function adminRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const admin = requireAdmin(services);
  const tags = ['Admin (Darkroom extension)'];
  const secured = { tags, security: [{ bearer: [] }] };

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/admin/v1/login',
    { config: { rateLimit: { max: 20, timeWindow: 60_000 } }, schema: { tags, summary: 'Operator sign-in', body: LoginBody, response: errorResponses } },
    async (req) => {
      const s = await services.admin.login(req.body.password);
      if (!s) throw new ApiError('InvalidAccessToken', 'Unauthorized: wrong admin password');
      return { status: 200, result: { admin_token: s.token, expires_in: s.expiresInSec } };
    },
  );

  const keyView = async (k: { clientId: string; name: string; createdAt: number; revokedAt: number | null }) => ({
    client_id: k.clientId,
    name: k.name,
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
    balance: await services.credits.balance(k.clientId),
  });

  app.get('/admin/v1/keys', { preHandler: admin, schema: { ...secured, summary: 'List API keys' } }, async () => ({
    status: 200,
    result: { keys: await Promise.all((await services.keys.list()).map(keyView)) },
  }));

  app.post<{ Body: Static<typeof KeyBody> }>('/admin/v1/keys', { preHandler: admin, schema: { ...secured, summary: 'Create an API key (the secret is shown once)', body: KeyBody } }, async (req) => {
    const k = await services.keys.create(req.body?.name ?? 'key');
    return { status: 200, result: { client_id: k.clientId, client_secret: k.clientSecret, name: k.name, webhook_secret: k.webhookSecret } };
  });

  const mustExist = async (clientId: string) => {
    const k = await services.keys.get(clientId);
    if (!k) throw new ApiError('NotFound', `no API key ${clientId}`);
    return k;
  };

  app.post<{ Params: Static<typeof ClientParam> }>('/admin/v1/keys/:client_id/revoke', { preHandler: admin, schema: { ...secured, summary: 'Revoke a key and its tokens', params: ClientParam } }, async (req) => {
    await mustExist(req.params.client_id);
    const at = await services.keys.revoke(req.params.client_id);
    return { status: 200, result: { client_id: req.params.client_id, revoked_at: at } };
  });

  app.post<{ Params: Static<typeof ClientParam>; Body: Static<typeof GrantBody> }>(
    '/admin/v1/keys/:client_id/credits',
    { preHandler: admin, schema: { ...secured, summary: 'Grant a credit lot', params: ClientParam, body: GrantBody } },
    async (req) => {
      await mustExist(req.params.client_id);
      const type = req.body.type ?? 'PaygToken';
      const expiry = services.clock.now() + (req.body.expires_in_days ?? 365) * 24 * 3600_000;
      const lot = await services.credits.grant(req.params.client_id, req.body.amount, type, expiry);
      return { status: 200, result: lot };
    },
  );

  app.get<{ Params: Static<typeof ClientParam>; Querystring: Static<typeof HistoryPageQuery> }>(
    '/admin/v1/keys/:client_id/credits',
    { preHandler: admin, schema: { ...secured, summary: 'Credit lots and one page of history of a key', params: ClientParam, querystring: HistoryPageQuery } },
    async (req) => {
    await mustExist(req.params.client_id);
    const page = await services.credits.history(req.params.client_id, req.query.page_size ?? 30, req.query.starting_token);
    return { status: 200, result: { credits: await services.credits.lots(req.params.client_id), history: page.history, next_token: page.nextToken } };
    },
  );

  app.get<{ Querystring: Static<typeof TasksQuery> }>('/admin/v1/tasks', { preHandler: admin, schema: { ...secured, summary: 'Recent tasks', querystring: TasksQuery } }, async (req) => {
    const rows = await services.tasks.recent({ clientId: req.query.client_id, limit: req.query.limit ?? 50 });
    return {
      status: 200,
      result: {
        tasks: rows.map((t) => ({
          task_id: t.id,
          client_id: t.client_id,
          feature: t.feature,
          status: t.status,
          error: t.error,
          created_at: t.created_at,
          finished_at: t.finished_at,
          cost: t.status === 'success' ? t.price : 0,
        })),
      },
    };
  });

  app.get('/admin/v1/features', { preHandler: admin, schema: { ...secured, summary: 'Features, limits, prices and availability' } }, async () => {
    // Per request: a model pulled while the server runs changes the answer.
    const upgrades = new Map(services.engines ? featureStatus(services.config, services.engines).map((s) => [s.feature, s.upgrade]) : []);
    const downloads = featureDownloads(services.config.engines.modelsDir);
    return {
      status: 200,
      result: {
        features: FEATURES.map((f) => {
          const a = services.engines?.get(f.id)?.availability() ?? { available: true, reason: 'engines run in worker processes' };
          const upgrade = upgrades.get(f.id);
          return {
            id: f.id,
            title: f.title,
            segments: f.segments,
            file_sets: f.fileSets.map((s: FileSetSpec) => ({ name: s.name, required: s.required, role: s.role, max_files: s.maxFiles, label: s.label ?? null })),
            limits: f.limits,
            price: priceOf(services.config, f.id, f.price),
            available: a.available,
            reason: a.reason ?? null,
            implementation: 'implementation' in a ? (a.implementation ?? null) : null,
            upgrade: upgrade ?? null,
            /** A model on its way that will upgrade this feature (first start's background download). */
            upgrading: downloads.get(f.id) ?? null,
            styles: f.styles,
            // The contract's params schema (every value rule) as plain JSON Schema: the console builds its form from it.
            params_schema: JSON.parse(JSON.stringify(f.params.schema)) as unknown,
          };
        }),
      },
    };
  });
}
