import { z } from 'zod';
import type { UploadStore } from '../../store/uploads';
import { workspaceOf } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../routeRegistry';
import { stream } from './uploads';

export const ObjectQuery = z.object({ key: z.string().min(1).max(1_024) }).strict();

/** `GET /api/s3-objects?key=`: an object an S3 trigger reported, when it is in the uploads bucket under the workspace's prefix. */
export function registerObjectRoutes(routes: RouteRegistry, uploads: UploadStore): void {
  routes.add(
    {
      method: 'get',
      path: '/api/s3-objects',
      tag: 'triggers',
      query: ObjectQuery,
      summary:
        'an object of the S3 uploads bucket under `<workspace>/` (the `object.url` an S3 trigger’s run receives)',
      responses: { 200: 'the bytes', 404: 'not found, or outside the workspace’s prefix' },
    },
    async (request, response, { query: { key } }) => {
      const bytes = await uploads.openObject(workspaceOf(request), key);
      if (!bytes) throw notFound(`object "${key}"`);
      response.type('application/octet-stream');
      await stream(bytes, response, { key });
    },
  );
}
