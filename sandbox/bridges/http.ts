/**
 * The host side of `axios`: the request is made by the real axios package, one hop at a time, so that every
 * redirect target is checked by the egress policy before anything is sent to it (names through the DNS lookup
 * hook, IP literals directly). Environment proxies are ignored, bodies are bounded both ways, and the node's
 * deadline aborts the request.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import axios, { AxiosError, AxiosRequestConfig, AxiosResponse } from 'axios';
import { z } from 'zod';
import { EgressDeniedError, EgressGuard } from '../egress';
import { BridgeError, BridgeSession, CallScope, tooLarge } from './session';

const Method = z
  .string()
  .transform((method) => method.toLowerCase())
  .pipe(z.enum(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']));

const HttpRequest = z.object({
  url: z.string().min(1, 'axios needs a url'),
  method: Method.default('get'),
  baseURL: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  data: z.unknown().optional(),
  responseType: z.enum(['json', 'text']).optional(),
  timeout: z.number().nonnegative().optional(),
  maxRedirects: z.number().int().min(0).max(20).default(10),
  auth: z.object({ username: z.string(), password: z.string() }).optional(),
});
type HttpRequest = z.infer<typeof HttpRequest>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another host (follow-redirects and browsers drop them too). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface HttpBridgeOptions {
  guard: EgressGuard;
  maxRequestBytes: number;
}

export function registerHttpBridge(session: BridgeSession, options: HttpBridgeOptions): void {
  // Per-execution agents: sockets are reused within a run and all destroyed when it ends.
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  session.onDispose(() => {
    httpAgent.destroy();
    httpsAgent.destroy();
  });
  session.register('http.request', async (args, scope) => {
    const request = parseRequest(args);
    return requestFollowingRedirects(request, scope, { ...options, httpAgent, httpsAgent });
  });
}

function parseRequest(args: unknown): HttpRequest {
  const parsed = HttpRequest.safeParse(args);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`);
  throw new BridgeError('AxiosError', `invalid axios request: ${problems.join('; ')}`, {
    code: 'ERR_BAD_OPTION_VALUE',
  });
}

/** A URL this bridge may request, with its port: IP literals are checked here, names by the lookup hook at connect time. */
async function checkedUrl(text: string, guard: EgressGuard, base?: URL): Promise<{ url: URL; port: number }> {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new BridgeError('AxiosError', `invalid URL: ${text}`, { code: 'ERR_INVALID_URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BridgeError('AxiosError', `unsupported protocol ${url.protocol} (only http and https)`, {
      code: 'ERR_BAD_REQUEST',
    });
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) await guard.resolve(host, port);
  return { url, port };
}

type HopOptions = HttpBridgeOptions & { httpAgent: http.Agent; httpsAgent: https.Agent };

async function requestFollowingRedirects(request: HttpRequest, scope: CallScope, options: HopOptions) {
  const first = axios.getUri({ baseURL: request.baseURL, url: request.url, params: request.params });
  let { url, port } = await checkedUrl(first, options.guard);
  let method = request.method;
  let data = request.data;
  let headers = { ...request.headers };
  let auth = request.auth;
  for (let hop = 0; ; hop += 1) {
    const response = await sendOnce({ url: url.href, port, method, data, headers, auth, request, scope, options });
    const location: unknown = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || typeof location !== 'string') {
      return {
        status: response.status,
        statusText: response.statusText,
        headers: plainHeaders(response),
        data: response.data as unknown,
        url: url.href,
      };
    }
    if (hop >= request.maxRedirects) {
      throw new BridgeError('AxiosError', `more than ${request.maxRedirects} redirects`, {
        code: 'ERR_FR_TOO_MANY_REDIRECTS',
      });
    }
    const next = await checkedUrl(location, options.guard, url);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'post')) {
      if (method !== 'head') method = 'get';
      data = undefined;
      headers = withoutHeaders(headers, (name) => name === 'content-type' || name === 'content-length');
    }
    if (next.url.host !== url.host) {
      headers = withoutHeaders(headers, (name) => CREDENTIAL_HEADERS.has(name));
      auth = undefined;
    }
    ({ url, port } = next);
  }
}

function withoutHeaders(headers: Record<string, string>, drop: (lowerName: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name.toLowerCase())));
}

async function sendOnce(hop: {
  url: string;
  port: number;
  method: HttpRequest['method'];
  data: unknown;
  headers: Record<string, string>;
  auth: HttpRequest['auth'];
  request: HttpRequest;
  scope: CallScope;
  options: HopOptions;
}): Promise<AxiosResponse> {
  const { scope, options, request } = hop;
  const remaining = scope.remainingMs();
  try {
    return await axios.request({
      url: hop.url,
      method: hop.method,
      data: hop.data,
      headers: hop.headers,
      auth: hop.auth,
      responseType: request.responseType,
      // Past the deadline the session answers TimeoutError itself; axios's own timer only serves a shorter user timeout.
      timeout: request.timeout && request.timeout < remaining ? request.timeout : remaining + 1_000,
      signal: scope.signal,
      proxy: false,
      maxRedirects: 0,
      lookup: options.guard.lookupFor(hop.port) as NonNullable<AxiosRequestConfig['lookup']>,
      httpAgent: options.httpAgent,
      httpsAgent: options.httpsAgent,
      maxContentLength: scope.maxResponseBytes,
      maxBodyLength: options.maxRequestBytes,
      validateStatus: () => true,
    });
  } catch (error) {
    throw hostError(error, scope, options.maxRequestBytes);
  }
}

function plainHeaders(response: AxiosResponse): Record<string, string | string[]> {
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string')))
      plain[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') plain[name] = String(value);
  }
  return plain;
}

/** A host-side failure as the isolate should see it: egress refusals and limits by name, the rest as AxiosError. */
function hostError(error: unknown, scope: CallScope, maxRequestBytes: number): Error {
  const egress = findCause(error, (candidate) => candidate instanceof EgressDeniedError);
  if (egress) return new BridgeError('EgressError', egress.message, { code: 'EGRESS_DENIED' });
  if (!(error instanceof AxiosError)) return error instanceof Error ? error : new Error(String(error));
  if (error.message.startsWith('maxContentLength')) return tooLarge(scope.maxResponseBytes);
  if (error.message.startsWith('Request body larger than maxBodyLength')) {
    return new BridgeError('AxiosError', `the request body is larger than the ${maxRequestBytes}-byte limit`, {
      code: 'ERR_BAD_REQUEST',
    });
  }
  return new BridgeError('AxiosError', error.message, error.code ? { code: error.code } : {});
}

function findCause(error: unknown, test: (candidate: unknown) => boolean): Error | undefined {
  for (
    let current = error, depth = 0;
    current && depth < 5;
    current = (current as { cause?: unknown }).cause, depth += 1
  ) {
    if (test(current)) return current as Error;
  }
  if ((error as { code?: unknown })?.code === 'EGRESS_DENIED') return error as Error;
  return undefined;
}
