import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { UploadStore } from '../../store/uploads';
import { workspaceOf } from '../auth';
import { notFound } from '../errors';
import { log } from '../logging';
import type { RouteRegistry } from '../routeRegistry';

export const UploadParams = z.object({ uploadId: z.string().regex(/^upl_[a-f0-9]{24}$/, 'must be an upload id') });
/** Streams a download; once headers are sent, a broken stream can only cut the response short. */
export async function stream(
  bytes: NodeJS.ReadableStream,
  response: NodeJS.WritableStream,
  about: Record<string, string>,
): Promise<void> {
  try {
    await pipeline(bytes, response);
  } catch (error) {
    // Headers are sent: all that is left is to cut the response short.
    log.warn({ err: error, ...about }, 'download broke off');
  }
}

/** `GET /api/uploads/:uploadId`: a file a webhook received, for its workspace only, from whichever storage holds it. */
export function registerUploadRoutes(routes: RouteRegistry, uploads: UploadStore): void {
  routes.add(
    {
      method: 'get',
      path: '/api/uploads/{uploadId}',
      tag: 'webhooks',
      params: UploadParams,
      summary: 'a file a multipart webhook received (its workspace only)',
      responses: { 200: 'the file', 404: 'not found (or not yours)' },
    },
    async (request, response, { params: { uploadId } }) => {
      const upload = await uploads.find(workspaceOf(request), uploadId);
      const bytes = await upload?.open();
      if (!upload || !bytes) throw notFound(`upload "${uploadId}"`);
      response.attachment(upload.filename).type(upload.contentType).setHeader('content-length', upload.size);
      await stream(bytes, response, { uploadId });
    },
  );
}
