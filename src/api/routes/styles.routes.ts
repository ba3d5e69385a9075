import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FEATURES } from '../../features/table.js';
import { ApiError } from '../errors.js';
import { requireClient } from '../plugins/client-auth.js';
import { errorResponses, Ok, PageQuery, StyleQuery } from '../schemas.js';
import type { ApiServices } from '../services.js';
import type { StyleLookupError } from '../style-port.js';

function isStyleLookupError(e: unknown): e is StyleLookupError {
  return e instanceof Error && ((e as StyleLookupError).kind === 'group' || (e as StyleLookupError).kind === 'style');
}

/** Style discovery for text-to-image and the hair features: groups, then the styles of a group. */
export async function stylesRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const auth = requireClient(services);
  const mapError = (e: unknown): never => {
    if (isStyleLookupError(e)) throw new ApiError(e.kind === 'group' ? 'InvalidStyleGroup' : 'InvalidStyle', e.message);
    throw e;
  };
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
        if (!services.styles) return { status: 200, result: { groups: [] } };
        try {
          return { status: 200, result: services.styles.listStyleGroups(spec.id, { pageSize: req.query.page_size ?? 20, startingToken: req.query.starting_token }) };
        } catch (e) {
          return mapError(e);
        }
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
        if (!services.styles) throw new ApiError('InvalidStyleGroup', `style group ${req.query.style_group_id} is unknown`);
        try {
          return {
            status: 200,
            result: services.styles.listStyles(spec.id, Number(req.query.style_group_id), { pageSize: req.query.page_size ?? 20, startingToken: req.query.starting_token }),
          };
        } catch (e) {
          return mapError(e);
        }
      },
    );
  }
}
