import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { clientOf, requireClient } from '../plugins/client-auth.js';
import { AuthBody, AuthResult, CreditResult, errorResponses, HistoryQuery, HistoryResult } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** Authentication and the credit system. */
export async function clientRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.post<{ Body: AuthBody }>(
    '/s2s/v1.0/client/auth',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Exchange an id_token for a 2-hour access token',
        description: 'id_token = base64(RSA PKCS#1 v1.5 encrypt("client_id=<client_id>&timestamp=<ms>")) with the client_secret (base64 X.509 SubjectPublicKeyInfo).',
        body: AuthBody,
        response: { 200: AuthResult, ...errorResponses },
      },
    },
    async (req) => {
      const out = await services.tokens.exchange(req.body.client_id, req.body.id_token);
      // One answer for every failure: nothing tells a caller which check failed (no padding oracle).
      if (typeof out === 'string') {
        req.log.info({ reason: out }, 'id_token refused');
        throw new ApiError('InvalidIdToken', 'Unauthorized: invalid client_id or id_token');
      }
      return { status: 200, result: { access_token: out.accessToken, expires_in: out.expiresInSec } };
    },
  );

  const auth = requireClient(services);

  app.get(
    '/s2s/v1.0/client/credit',
    { preHandler: auth, schema: { tags: ['Credit system'], summary: 'Credit lots with their balance and expiry', security: [{ bearer: [] }], response: { 200: CreditResult, ...errorResponses } } },
    async (req) => ({ status: 200, results: await services.credits.lots(clientOf(req)) }),
  );

  app.get<{ Querystring: HistoryQuery }>(
    '/s2s/v1.0/client/credit/history',
    {
      preHandler: auth,
      schema: { tags: ['Credit system'], summary: 'Credit history, newest first, paginated', security: [{ bearer: [] }], querystring: HistoryQuery, response: { 200: HistoryResult, ...errorResponses } },
    },
    async (req) => {
      const page = await services.credits.history(clientOf(req), req.query.page_size ?? 20, req.query.starting_token);
      return { status: 200, result: { history: page.history, ...(page.nextToken ? { next_token: page.nextToken } : {}) } };
    },
  );
}
