import type { FastifyInstance } from 'fastify';
import { FEATURES } from '../../features/table.js';
import { clientOf, requireClient } from '../plugins/client-auth.js';
import { errorResponses, FileBody, FileResult } from '../schemas.js';
import type { ApiServices } from '../services.js';

/** `POST file/{feature}`: upload slots with signed, expiring PUT URLs. v1.0 and v1.1 (which sends file_size). */
export async function filesRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const auth = requireClient(services);
  for (const spec of FEATURES) {
    if (spec.fileSets.length === 0) continue;
    for (const segment of spec.segments) {
      for (const version of ['v1.0', 'v1.1']) {
        app.post<{ Body: FileBody }>(
          `/s2s/${version}/file/${segment}`,
          {
            preHandler: auth,
            schema: {
              tags: [spec.title],
              summary: `Create upload URLs for ${spec.title}`,
              hide: version === 'v1.0' || segment !== spec.segments[0],
              security: [{ bearer: [] }],
              body: FileBody,
              response: { 200: FileResult, ...errorResponses },
            },
          },
          async (req) => {
            const files = await services.files.createUploads(
              clientOf(req),
              spec,
              req.body.files.map((f) => ({ contentType: f.content_type, fileName: f.file_name, fileSize: f.file_size })),
            );
            return { status: 200, result: { files } };
          },
        );
      }
    }
  }
}
