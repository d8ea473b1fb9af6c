import { Router } from 'express';
import { z } from 'zod';
import type { UploadStore } from '../../store/uploads';
import { workspaceOf } from '../auth';
import { notFound, parseRequest } from '../errors';

export const UploadParams = z.object({ uploadId: z.string().regex(/^upl_[a-f0-9]{24}$/, 'must be an upload id') });

/** `GET /api/uploads/:uploadId`: a file a webhook received, for its workspace only. */
export function uploadRoutes(uploads: UploadStore): Router {
  const router = Router();
  router.get('/:uploadId', async (request, response) => {
    const { uploadId } = parseRequest(UploadParams, request.params, 'params');
    const upload = await uploads.find(workspaceOf(request), uploadId);
    if (!upload) throw notFound(`upload "${uploadId}"`);
    response.attachment(upload.filename).type(upload.contentType);
    response.sendFile(upload.file);
  });
  return router;
}
