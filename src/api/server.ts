import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { ErrorEnvelope } from './schemas.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './plugins/error-handler.js';
import { installRequestOrigin } from './request-origin.js';
import { strictTypes } from './plugins/strict-types.js';
import { installRateLimits } from './plugins/rate-limits.js';
import { adminRoutes } from './routes/admin.routes.js';
import { clientRoutes } from './routes/client.routes.js';
import { filesRoutes } from './routes/files.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { storageRoutes } from './routes/storage.routes.js';
import { styleThumbnailRoutes, stylesRoutes } from './routes/styles.routes.js';
import { tasksRoutes } from './routes/tasks.routes.js';
import type { ApiServices } from './services.js';

function logRequest(req: FastifyRequest) {
  return { method: req.method, url: req.url.replace(/([?&]sig=)[^&]*/g, '$1[redacted]'), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Builds the HTTP server: the YCE v1 API under /s2s, signed storage URLs, admin API, docs and console. */
export async function buildServer(services: ApiServices): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    // Signed storage URLs are bearer capabilities (valid up to 2 h): request logs keep them without the signature.
    childLoggerFactory: (logger, bindings, opts) => logger.child(bindings, { ...opts, serializers: { ...opts.serializers, req: logRequest } }),
    bodyLimit: 1024 * 1024,
    // Answered in the error envelope like every other failure (414 over-long path segments, 431 headers).
    frameworkErrors,
    clientErrorHandler,
    trustProxy: services.config.trustProxy,
    // Query strings are text and are coerced; a lone value is never wrapped into an array (a file id
    // list given as a string is a 400, not an unknown file).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false }, plugins: [strictTypes] },
  });
  app.addSchema(ErrorEnvelope);
  installErrorHandling(app);
  installRequestOrigin(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Darkroom: YouCam Online Editor AI API v1 compatible server',
        version: '1.15-darkroom',
        description:
          'Wire-compatible with the YouCam Online Editor AI API v1: change the base URL of an existing client. Extensions (callback_url, cancel, progress, admin API) are marked as such.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    return payload;
  });

  const limit = await installRateLimits(app, services);
  await app.register(async (api) => {
    api.addHook('onRequest', limit);
    await clientRoutes(api, services);
    await filesRoutes(api, services);
    await tasksRoutes(api, services);
    await stylesRoutes(api, services);
  });
  await app.register(async (s) => storageRoutes(s, services));
  await app.register(async (s) => adminRoutes(s, services));
  await app.register(async (s) => styleThumbnailRoutes(s, services));
  await healthRoutes(app, services);

  if (existsSync(path.join(WEB_DIST, 'index.html'))) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', index: ['index.html'], wildcard: false });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><title>Darkroom</title><h1>Darkroom</h1><p>The web console is not built: run <code>npm run build:web</code>. API docs: <a href="/docs">/docs</a>.</p>'),
    );
  }
  return app;
}
