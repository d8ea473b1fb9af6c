import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookTrigger } from '../../flow/triggers';
import type { FlowLookup } from '../flowLookup';
import { HttpError, notFound } from '../errors';
import { newRunId, RunOutcome, RunService } from '../runService';
import type { AcceptJournal } from './journal';
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
    const trigger = flow?.definition.triggers?.find((candidate): candidate is WebhookTrigger => candidate.type === 'webhook');
    if (!flow || !trigger) throw notFound(`webhook "${request.flowId}"`);
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
          ? await parseMultipart(request.raw, request.headers, (file) => uploads.save(found.workspace, flow.flowId, file))
          : parseWebhookBody(request.raw, request.headers['content-type']);
    } catch (error) {
      if (error instanceof BodyParseError) throw new HttpError(400, 'invalid_body', error.message);
      throw error;
    }
    const payload = {
      method: request.method,
      path: request.subPath,
      query: request.query,
      headers: visibleHeaders(request.headers, trigger),
      body,
    };
    const source = `${request.method} /hooks/${flow.flowId}${request.subPath === '/' ? '' : request.subPath}`;
    const runTrigger = { type: 'webhook' as const, source, payload };
    if (trigger.respond === 'async' && !request.idempotencyKey && this.journal) {
      await this.runs.assertQuota(found.workspace);
      const runId = newRunId(flow.flowId);
      await this.journal.accept({ runId, flowId: flow.flowId, flowVersion: flow.version, workspace: found.workspace, trigger: runTrigger, acceptedAt: new Date().toISOString() });
      return { kind: 'accepted', runId, duplicate: false };
    }
    const { runId, started } = await this.runs.startOnce(flow.flowId, flow.version, runTrigger, {
      idempotencyKey: request.idempotencyKey,
      workspace: found.workspace,
    });
    if (trigger.respond === 'async') return { kind: 'accepted', runId, duplicate: !started };
    return { kind: 'outcome', runId, duplicate: !started, outcome: await this.runs.waitForOutcome(runId, trigger.timeoutMs) };
  }
}
