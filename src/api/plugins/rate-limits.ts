import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sha256Hex } from '../../util/ids.js';
import { bearerToken } from './client-auth.js';
import type { ApiServices } from '../services.js';

/**
 * The source document's two limits, both of which must pass: 100 requests per 5 minutes per IP and
 * 100 per minute per access token; 429 with Retry-After otherwise. Counters live in Redis when one
 * is configured, so every API instance shares them.
 */
export async function installRateLimits(app: FastifyInstance, services: ApiServices): Promise<(req: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  const cfg = services.config.rateLimit;
  await app.register(rateLimit, {
    global: false,
    // Counters are a guard, not a service clients pay for: while Redis is away requests pass uncounted.
    skipOnError: true,
    ...(services.rateLimitRedis ? { redis: services.rateLimitRedis as never, nameSpace: 'darkroom-rl-' } : {}),
  });
  const tooMany = (_req: FastifyRequest, ctx: { after: string; statusCode: number }) => ({ statusCode: 429, message: `Too many requests, retry in ${ctx.after}` });
  const perIp = app.rateLimit({ max: cfg.perIpMax, timeWindow: cfg.perIpWindowMs, keyGenerator: (req) => `ip:${req.ip}`, errorResponseBuilder: tooMany });
  const perToken = app.rateLimit({
    max: cfg.perTokenMax,
    timeWindow: cfg.perTokenWindowMs,
    keyGenerator: (req) => `token:${sha256Hex(bearerToken(req) ?? '')}`,
    allowList: (req) => !bearerToken(req),
    errorResponseBuilder: tooMany,
  });
  return async (req, reply) => {
    if (!cfg.enabled) return;
    await perIp.call(app, req, reply);
    if (reply.sent) return;
    // The plugin marks a request as "limited" after its first limiter so that it never counts twice;
    // both limits must count here, so the mark left by the IP limiter is cleared.
    for (const sym of Object.getOwnPropertySymbols(req)) {
      if (sym.description === 'fastify.request.rateLimitRan') (req as unknown as Record<symbol, unknown>)[sym] = false;
    }
    await perToken.call(app, req, reply);
  };
}
