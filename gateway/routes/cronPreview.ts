import { CronPreviewer, CronPreviewError } from '../../temporal/cronPreview';
import { CronPreviewAnswer } from '../answers';
import { HttpError } from '../errors';
import { INVALID_REQUEST, RouteRegistry } from '../routeRegistry';
import { CronPreviewBody } from '../schemas';

/** `POST /api/cron/preview`: a cron trigger's plain-language reading and next run times, as Temporal reads it. */
export function registerCronPreviewRoute(routes: RouteRegistry, previewer: CronPreviewer): void {
  routes.add(
    {
      method: 'post',
      path: '/api/cron/preview',
      tag: 'schedules',
      body: CronPreviewBody,
      summary:
        'a cron trigger’s plain-language reading and next 5 run times in its time zone, as Temporal reads the expression (computed by Temporal from a paused schedule made and deleted for it), before it is saved',
      responses: {
        200: { description: 'the reading and the next 5 times', schema: CronPreviewAnswer },
        400: INVALID_REQUEST,
      },
    },
    async (_request, response, { body: { cron, timezone } }) => {
      try {
        const answer: CronPreviewAnswer = { cron, timezone, ...(await previewer.preview(cron, timezone)) };
        response.json(answer);
      } catch (error) {
        if (!(error instanceof CronPreviewError)) throw error;
        throw new HttpError(
          400,
          'invalid_request',
          `Temporal refuses the ${error.field === 'cron' ? 'cron expression' : 'time zone'}`,
          [{ path: `body.${error.field}`, message: error.message }],
        );
      }
    },
  );
}
