import { Router } from 'express';
import { CronPreviewer, CronPreviewError } from '../../temporal/cronPreview';
import { HttpError, parseRequest } from '../errors';
import { CronPreviewBody } from '../schemas';

/** `POST /api/cron/preview`: a cron trigger's plain-language reading and next run times, as Temporal reads it. */
export function cronPreviewRoutes(previewer: CronPreviewer): Router {
  const router = Router();
  router.post('/preview', async (request, response) => {
    const { cron, timezone } = parseRequest(CronPreviewBody, request.body ?? {}, 'body');
    try {
      response.json({ cron, timezone, ...(await previewer.preview(cron, timezone)) });
    } catch (error) {
      if (!(error instanceof CronPreviewError)) throw error;
      throw new HttpError(400, 'invalid_request', `Temporal refuses the ${error.field === 'cron' ? 'cron expression' : 'time zone'}`, [
        { path: `body.${error.field}`, message: error.message },
      ]);
    }
  });
  return router;
}
