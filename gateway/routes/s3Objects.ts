import { Router } from 'express';
import { z } from 'zod';
import type { UploadStore } from '../../store/uploads';
import { workspaceOf } from '../auth';
import { notFound, parseRequest } from '../errors';
import { describeOperations } from '../openapi';
import { stream } from './uploads';

export const ObjectQuery = z.object({ key: z.string().min(1).max(1_024) }).strict();

describeOperations([
  { method: 'get', path: '/api/s3-objects', tag: 'triggers', query: ObjectQuery, summary: 'an object of the S3 uploads bucket under `<workspace>/` (the `object.url` an S3 trigger’s run receives)', responses: { 200: 'the bytes', 404: 'not found, or outside the workspace’s prefix' } },
]);

/** `GET /api/s3-objects?key=`: an object an S3 trigger reported, when it is in the uploads bucket under the workspace's prefix. */
export function objectRoutes(uploads: UploadStore): Router {
  const router = Router();
  router.get('/', async (request, response) => {
    const { key } = parseRequest(ObjectQuery, request.query, 'query');
    const bytes = await uploads.openObject(workspaceOf(request), key);
    if (!bytes) throw notFound(`object "${key}"`);
    response.type('application/octet-stream');
    await stream(bytes, response, { key });
  });
  return router;
}

