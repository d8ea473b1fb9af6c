import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookTrigger } from '../../flow/triggers';
import type { FlowStore } from '../../store/flows';
import { HttpError, notFound } from '../errors';
import type { RunOutcome, RunService } from '../runService';
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
    private readonly flows: FlowStore,
    private readonly runs: RunService,
  ) {}

  async deliver(request: WebhookRequest): Promise<WebhookAnswer> {
    const flow = await this.flows.latest(request.flowId);
    const trigger = flow?.definition.triggers?.find((candidate): candidate is WebhookTrigger => candidate.type === 'webhook');
    if (!flow || !trigger) throw notFound(`webhook "${request.flowId}"`);
    if (trigger.methods && !trigger.methods.includes(request.method as never)) {
      throw new HttpError(405, 'method_not_allowed', `this webhook accepts ${trigger.methods.join(', ')}`);
    }
    const verdict = verifyWebhookAuth(trigger.auth, request);
    if (!verdict.ok) throw new HttpError(401, 'unauthorized', verdict.message);
    let body: unknown;
    try {
      body = parseWebhookBody(request.raw, request.headers['content-type']);
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
    const { runId, started } = await this.runs.startOnce(
      flow.flowId,
      flow.version,
      { type: 'webhook', source: `${request.method} /hooks/${flow.flowId}${request.subPath === '/' ? '' : request.subPath}`, payload },
      { idempotencyKey: request.idempotencyKey, workspace: await this.flows.workspaceOf(flow.flowId) },
    );
    if (trigger.respond === 'async') return { kind: 'accepted', runId, duplicate: !started };
    return { kind: 'outcome', runId, duplicate: !started, outcome: await this.runs.waitForOutcome(runId, trigger.timeoutMs) };
  }
}
