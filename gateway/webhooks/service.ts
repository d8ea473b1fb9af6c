import type { IncomingHttpHeaders } from 'node:http';
import type { FlowDefinition } from '../../flow/schema';
import { webhookTriggerOf, WebhookTrigger } from '../../flow/triggers';
import type { FlowLookup } from '../flowLookup';
import { runPayloadJson } from '../../common/payloadShape';
import { assertPayloadShape, HttpError, notFound } from '../errors';
import { newRunId, RunOutcome, RunService } from '../runService';
import { type AcceptJournal, BacklogFullError, JournalWriteError } from './journal';
import type { UploadStore } from '../../store/uploads';
import { isMultipart, parseMultipart } from './multipart';
import { credentialHeaders, verifyWebhookAuth } from './auth';
import { BodyParseError, parseWebhookBody } from './body';

export interface WebhookRequest {
  flowId: string;
  /** The part of the path after `/hooks/<flowId>`, `/` when none. */
  subPath: string;
  method: string;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  idempotencyKey?: string;
}

/** What a delivery runs: the newest saved version (`/hooks`), or a draft revision (`/hooks-test`), by its trigger. */
export interface WebhookTarget {
  flowId: string;
  workspace: string;
  flowVersion: number;
  /** A test delivery's draft revision. Such deliveries are not journaled (the journal records versions): started at once. */
  draft?: number;
  trigger: WebhookTrigger;
  /** Where the delivery came in, for the run's trigger source. */
  route: '/hooks' | '/hooks-test';
  /** The definition of the version (or draft revision) the run pins. */
  definition?: FlowDefinition;
}

export type WebhookAnswer =
  | { kind: 'accepted'; runId: string; duplicate: boolean }
  | { kind: 'outcome'; runId: string; duplicate: boolean; outcome: RunOutcome };

const ALWAYS_HIDDEN_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

function visibleHeaders(headers: IncomingHttpHeaders, trigger: WebhookTrigger): Record<string, string | string[]> {
  const hidden = new Set([...ALWAYS_HIDDEN_HEADERS, ...credentialHeaders(trigger.auth)]);
  const visible: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hidden.has(name)) visible[name] = value;
  }
  return visible;
}

/** Accepts a webhook delivery: finds the flow's webhook trigger, checks its credentials, starts exactly one run. */
export class WebhookService {
  constructor(
    private readonly flows: FlowLookup,
    private readonly runs: RunService,
    /** When given, async deliveries without an Idempotency-Key are answered once journaled, and started behind. */
    private readonly journal?: AcceptJournal,
    /** Where multipart uploads are kept; without it a multipart body arrives as base64 like any other. */
    private readonly uploads?: UploadStore,
  ) {}

  async deliver(request: WebhookRequest): Promise<WebhookAnswer> {
    const found = await this.flows.latest(request.flowId);
    const flow = found?.version;
    const trigger = webhookTriggerOf(flow?.definition);
    if (!flow || !trigger) throw notFound(`webhook "${request.flowId}"`);
    return this.deliverTo(
      {
        flowId: flow.flowId,
        workspace: found.workspace,
        flowVersion: flow.version,
        trigger,
        route: '/hooks',
        definition: flow.definition,
      },
      request,
    );
  }

  /** Delivers to a target already found: checks method and credentials, parses the body, starts exactly one run. */
  async deliverTo(target: WebhookTarget, request: WebhookRequest): Promise<WebhookAnswer> {
    const { trigger } = target;
    if (trigger.methods && !trigger.methods.includes(request.method as never)) {
      throw new HttpError(405, 'method_not_allowed', `this webhook accepts ${trigger.methods.join(', ')}`);
    }
    const verdict = verifyWebhookAuth(trigger.auth, request);
    if (!verdict.ok) throw new HttpError(401, 'unauthorized', verdict.message);
    let body: unknown;
    try {
      const uploads = this.uploads;
      body =
        uploads && isMultipart(request.headers['content-type'])
          ? await parseMultipart(request.raw, request.headers, (file) =>
              uploads.save(target.workspace, target.flowId, file),
            )
          : parseWebhookBody(request.raw, request.headers['content-type']);
    } catch (error) {
      if (error instanceof BodyParseError) throw new HttpError(400, 'invalid_body', error.message);
      throw error;
    }
    assertPayloadShape(body, 'body');
    const payload = {
      method: request.method,
      path: request.subPath,
      query: request.query,
      headers: visibleHeaders(request.headers, trigger),
      body,
    };
    const source = `${request.method} ${target.route}/${target.flowId}${request.subPath === '/' ? '' : request.subPath}`;
    const runTrigger = { type: 'webhook' as const, source, payload };
    if (trigger.respond === 'async' && !request.idempotencyKey && this.journal && target.draft === undefined) {
      // Refused now, before it is accepted: the journal's start could not refuse it to anyone.
      runPayloadJson(payload, 'the webhook payload (its body, headers and query)');
      await this.runs.assertQuota(target.workspace);
      const runId = newRunId(target.flowId);
      const accepted = {
        runId,
        flowId: target.flowId,
        flowVersion: target.flowVersion,
        workspace: target.workspace,
        trigger: runTrigger,
        acceptedAt: new Date().toISOString(),
      };
      try {
        await this.journal.accept(accepted);
      } catch (error) {
        if (error instanceof BacklogFullError) throw new HttpError(503, 'backlog_full', error.message);
        if (error instanceof JournalWriteError) throw new HttpError(503, 'journal_unavailable', error.message);
        throw error;
      }
      return { kind: 'accepted', runId, duplicate: false };
    }
    const { runId, started } = await this.runs.startOnce(target.flowId, target.flowVersion, runTrigger, {
      idempotencyKey: request.idempotencyKey,
      workspace: target.workspace,
      draft: target.draft,
      awaited: trigger.respond === 'sync',
      definition: target.definition,
    });
    if (trigger.respond === 'async') return { kind: 'accepted', runId, duplicate: !started };
    return {
      kind: 'outcome',
      runId,
      duplicate: !started,
      outcome: await this.runs.waitForOutcome(runId, trigger.timeoutMs),
    };
  }
}
