import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FEATURES } from '../../features/table.js';
import { placeholderThumbnails } from '../../styles/placeholder.js';
import { ApiError } from '../errors.js';
import { requireClient } from '../plugins/client-auth.js';
import { errorResponses, Ok, PageQuery, StyleQuery } from '../schemas.js';
import { publicBaseUrl } from '../request-origin.js';
import type { ApiServices } from '../services.js';

/** Folder of rendered style thumbnails (`darkroom styles thumbnails`), served at /static/styles/<id>.png. */
export function thumbnailsDir(dataDir: string): string {
  return path.join(dataDir, 'styles', 'thumbnails');
}

/** Style discovery for text-to-image and the hair features: groups, then the styles of a group. */
export async function stylesRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const auth = requireClient(services);
  for (const spec of FEATURES.filter((f) => f.styles)) {
    app.get<{ Querystring: { page_size?: number; starting_token?: string } }>(
      `/s2s/v1.0/task/style-group/${spec.segments[0]}`,
      {
        preHandler: auth,
        schema: {
          tags: [spec.title],
          summary: `Style groups of ${spec.title}`,
          security: [{ bearer: [] }],
          querystring: PageQuery,
          response: { 200: Ok(Type.Object({ groups: Type.Array(Type.Object({ id: Type.Integer(), info: Type.Object({ title: Type.String() }) })), next_token: Type.Optional(Type.String()) })), ...errorResponses },
        },
      },
      async (req) => {
        // A StyleCatalogError is a DomainError: the error handler answers it.
        return { status: 200, result: services.styles.listStyleGroups(spec.id, { pageSize: req.query.page_size, startingToken: req.query.starting_token, baseUrl: publicBaseUrl(services.config) }) };
      },
    );
    app.get<{ Querystring: { style_group_id: number | string; page_size?: number; starting_token?: string } }>(
      `/s2s/v1.0/task/style/${spec.segments[0]}`,
      {
        preHandler: auth,
        schema: {
          tags: [spec.title],
          summary: `Styles of one group of ${spec.title}`,
          security: [{ bearer: [] }],
          querystring: StyleQuery,
          response: {
            200: Ok(Type.Object({ styles: Type.Array(Type.Object({ id: Type.Integer(), info: Type.Object({ title: Type.String(), thumb: Type.String() }) })), next_token: Type.Optional(Type.String()) })),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        return { status: 200, result: services.styles.listStyles(spec.id, req.query.style_group_id, { pageSize: req.query.page_size, startingToken: req.query.starting_token, baseUrl: publicBaseUrl(services.config) }) };
      },
    );
  }
}

/**
 * Style thumbnails, public like any catalogue picture: the one the operator rendered, else a
 * generated placeholder card, so every `thumb` URL the API hands out answers with an image.
 */
export async function styleThumbnailRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const dir = thumbnailsDir(services.config.dataDir);
  const styles = new Map(services.styles.allStyles().map((s) => [s.id, s]));
  const placeholderThumbnail = placeholderThumbnails();
  app.get<{ Params: { id: string } }>('/static/styles/:id', { schema: { hide: true } }, async (req, reply) => {
    const m = /^(\d{1,16})\.png$/.exec(req.params.id);
    const style = m ? styles.get(Number(m[1])) : undefined;
    if (!m || !style) throw new ApiError('NotFound', 'no style has this id');
    const file = path.join(dir, `${style.id}.png`);
    if (existsSync(file)) return reply.type('image/png').header('Cache-Control', 'public, max-age=86400').send(await readFile(file));
    // A placeholder may be replaced by a rendered thumbnail any time: cache it briefly.
    return reply.type('image/png').header('Cache-Control', 'public, max-age=300').send(await placeholderThumbnail(style));
  });
}
