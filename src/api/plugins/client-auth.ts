import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { ApiServices } from '../services.js';

declare module 'fastify' {
  interface FastifyRequest {
    clientId?: string;
  }
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** preHandler: `Authorization: Bearer <access_token>` of an active client, else 401 InvalidAccessToken. */
export function requireClient(services: ApiServices) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(req);
    const clientId = token ? await services.tokens.authenticate(token) : undefined;
    if (!clientId) throw new ApiError('InvalidAccessToken', token ? 'Unauthorized: the access token is unknown, expired or revoked' : 'Unauthorized: Authorization: Bearer <access_token> is required');
    req.clientId = clientId;
  };
}

export function clientOf(req: FastifyRequest): string {
  if (!req.clientId) throw new ApiError('InvalidAccessToken', 'Unauthorized');
  return req.clientId;
}

/** preHandler for the admin API: a console session token. */
export function requireAdmin(services: ApiServices) {
  return async (req: FastifyRequest) => {
    const token = bearerToken(req);
    if (!token || !(await services.admin.verify(token))) throw new ApiError('InvalidAccessToken', 'Unauthorized: admin sign-in required');
  };
}
