import { webhookTriggerOf } from '../../flow/triggers';
import type { DraftStore } from '../../store/drafts';
import { HttpError } from '../errors';
import type { WebhookAnswer, WebhookRequest, WebhookService } from './service';

/**
 * `ANY /hooks-test/:flowId[/*]`, the test URL: runs the flow's current draft by the draft's own webhook trigger (its
 * auth, methods and respond mode), with the draft revision pinned. The draft is read on every delivery, never cached,
 * so a delivery right after a draft save runs that save. `/hooks/:flowId` keeps running the newest saved version.
 */
export class TestWebhooks {
  constructor(
    private readonly drafts: DraftStore,
    private readonly webhooks: WebhookService,
  ) {}

  async deliver(request: WebhookRequest): Promise<WebhookAnswer> {
    const { flowId } = request;
    const draft = await this.drafts.current(flowId);
    if (!draft) {
      throw new HttpError(
        404,
        'no_draft',
        `flow "${flowId}" has no draft: the test URL runs the draft (PUT /api/flows/${flowId}/draft saves one); /hooks/${flowId} runs the saved version`,
      );
    }
    const trigger = webhookTriggerOf(draft.definition);
    if (!trigger) {
      throw new HttpError(
        404,
        'no_webhook',
        `the draft of flow "${flowId}" (revision ${draft.revision}) has no webhook trigger: add { "type": "webhook" } to its triggers`,
      );
    }
    return this.webhooks.deliverTo(
      {
        flowId,
        workspace: draft.workspace,
        flowVersion: 0,
        draft: draft.revision,
        trigger,
        route: '/hooks-test',
        definition: draft.definition,
      },
      // A key sent to the test URL never answers with a production run of the same key, nor the other way round.
      {
        ...request,
        idempotencyKey: request.idempotencyKey === undefined ? undefined : `test:${request.idempotencyKey}`,
      },
    );
  }
}
