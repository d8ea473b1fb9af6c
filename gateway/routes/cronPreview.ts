import { Router } from 'express';
import { CronPreviewer, CronPreviewError } from '../../temporal/cronPreview';
import type { CronPreviewAnswer } from '../answers';
import { HttpError, parseRequest } from '../errors';
import { CronPreviewBody } from '../schemas';

/** `POST /api/cron/preview`: a cron trigger's plain-language reading and next run times, as Temporal reads it. */
export function cronPreviewRoutes(previewer: CronPreviewer): Router {
  const router = Router();
  router.post('/preview', async (request, response) => {
    const { cron, timezone } = parseRequest(CronPreviewBody, request.body ?? {}, 'body');
    try {
      const answer: CronPreviewAnswer = { cron, timezone, ...(await previewer.preview(cron, timezone)) };
      response.json(answer);
    } catch (error) {
      if (!(error instanceof CronPreviewError)) throw error;
      throw new HttpError(400, 'invalid_request', `Temporal refuses the ${error.field === 'cron' ? 'cron expression' : 'time zone'}`, [
        { path: `body.${error.field}`, message: error.message },
      ]);
    }
  });
  return router;
}
