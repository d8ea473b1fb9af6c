/**
 * In-isolate code (evaluated from its source text: self-contained, V8 built-ins only). The global `axios`: the
 * request/method API of the axios package, with the request itself made by the host (`http.request`). What stays
 * in here is what axios does around the wire: merging defaults, `validateStatus`, and errors shaped like AxiosError
 * (`response.status`, `response.data`, `code`, `isAxiosError`).
 */
import type { HostCaller } from './hostCaller';

type Config = Record<string, unknown> & {
  url?: string;
  method?: string;
  headers?: Record<string, unknown>;
  validateStatus?: ((status: number) => boolean) | null;
};

interface WireResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  data: unknown;
  url: string;
}

export function installAxiosShim(callHost: HostCaller): void {
  const assign = Object.assign;
  const keys = Object.keys;
  const defineProperty = Object.defineProperty;
  /** Config fields the host accepts; functions and anything else stay in here. */
  const HEADER_GROUPS = ['common', 'get', 'delete', 'head', 'options', 'post', 'put', 'patch'];
  const WIRE_FIELDS = [
    'url',
    'method',
    'baseURL',
    'params',
    'headers',
    'data',
    'responseType',
    'timeout',
    'maxRedirects',
    'auth',
  ];

  const mergeConfig = (base: Config, extra: Config | undefined): Config => {
    const merged: Config = assign({}, base, extra ?? {});
    const headers: Record<string, unknown> = assign({}, base.headers ?? {}, extra?.headers ?? {});
    // Header groups are merged one level down and copied, so an instance's defaults never change another's.
    for (const group of HEADER_GROUPS) {
      const from = [base.headers?.[group], extra?.headers?.[group]].filter(
        (value) => value && typeof value === 'object',
      );
      if (from.length > 0) headers[group] = assign({}, ...from);
    }
    merged.headers = headers;
    return merged;
  };

  const plainHeaders = (headers: Record<string, unknown> | undefined): Record<string, string> => {
    const plain: Record<string, string> = {};
    for (const name of keys(headers ?? {})) {
      const value = (headers as Record<string, unknown>)[name];
      if (value !== undefined && value !== null) plain[name] = String(value);
    }
    return plain;
  };

  /** Like axios: `headers.common` and `headers[method]` (as in `axios.defaults.headers.common`) apply under the plain ones. */
  const flattenHeaders = (headers: Record<string, unknown> | undefined, method: string): Record<string, unknown> => {
    const all = headers ?? {};
    const flat: Record<string, unknown> = assign({}, all.common ?? {}, all[method] ?? {});
    for (const name of keys(all)) {
      if (!HEADER_GROUPS.includes(name)) flat[name] = all[name];
    }
    return flat;
  };

  const makeError = (message: string, code: string | undefined, config: Config, response?: Record<string, unknown>) => {
    const error = new Error(message) as Error & Record<string, unknown>;
    error.name = 'AxiosError';
    error.code = code;
    error.config = config;
    error.isAxiosError = true;
    if (response) {
      error.response = response;
      error.status = response.status;
    }
    error.toJSON = () => ({ name: error.name, message: error.message, code: error.code, status: error.status ?? null });
    return error;
  };

  const send = async (config: Config) => {
    const wire: Record<string, unknown> = {};
    for (const field of WIRE_FIELDS) {
      if (config[field] !== undefined) wire[field] = config[field];
    }
    wire.headers = plainHeaders(flattenHeaders(config.headers, String(config.method ?? 'get').toLowerCase()));
    let answer: WireResponse;
    try {
      answer = (await callHost('http.request', wire)) as WireResponse;
    } catch (thrown) {
      const failure = thrown as Error & { code?: string };
      // Refusals by the egress policy and limits (time, size) keep their own name: they are not network errors.
      if (failure.name !== 'AxiosError') throw failure;
      throw makeError(failure.message, failure.code, config);
    }
    const response: Record<string, unknown> = {
      data: answer.data,
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
      config,
      request: { responseURL: answer.url },
    };
    const validate =
      config.validateStatus === undefined ? (status: number) => status >= 200 && status < 300 : config.validateStatus;
    if (!validate || validate(answer.status)) return response;
    const code = answer.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST';
    throw makeError(`Request failed with status code ${answer.status}`, code, config, response);
  };

  type Handler = ((value: unknown) => unknown) | undefined;
  /** axios's interceptor lists: `use(onFulfilled, onRejected)` answers an id that `eject` takes. */
  const interceptorManager = () => {
    const handlers: Array<{ fulfilled: Handler; rejected: Handler } | null> = [];
    return {
      handlers,
      use(fulfilled?: Handler, rejected?: Handler) {
        handlers.push({ fulfilled, rejected });
        return handlers.length - 1;
      },
      eject(id: number) {
        if (handlers[id]) handlers[id] = null;
      },
      clear() {
        handlers.length = 0;
      },
    };
  };

  const create = (defaults: Config) => {
    const interceptors = { request: interceptorManager(), response: interceptorManager() };
    const dispatch = (config: Config) => {
      // As in axios: request interceptors run last-added first, response interceptors in the order they were added.
      let chain: Promise<unknown> = Promise.resolve(config);
      for (const handler of interceptors.request.handlers.slice().reverse()) {
        if (handler) chain = chain.then(handler.fulfilled, handler.rejected);
      }
      chain = chain.then((final) => send(final as Config));
      for (const handler of interceptors.response.handlers) {
        if (handler) chain = chain.then(handler.fulfilled, handler.rejected);
      }
      return chain as Promise<Record<string, unknown>>;
    };
    const request = (urlOrConfig: string | Config, maybeConfig?: Config) =>
      typeof urlOrConfig === 'string'
        ? dispatch(mergeConfig(defaults, assign({}, maybeConfig ?? {}, { url: urlOrConfig })))
        : dispatch(mergeConfig(defaults, urlOrConfig));
    const instance = function axios(urlOrConfig: string | Config, maybeConfig?: Config) {
      return request(urlOrConfig, maybeConfig);
    } as ((urlOrConfig: string | Config, maybeConfig?: Config) => Promise<Record<string, unknown>>) &
      Record<string, unknown>;
    const withoutBody = (method: string) => (url: string, config?: Config) =>
      request(assign({}, config ?? {}, { url, method }));
    const withBody = (method: string) => (url: string, data?: unknown, config?: Config) =>
      request(assign({}, config ?? {}, { url, method, data }));
    assign(instance, {
      request: (config: Config) => request(config),
      get: withoutBody('get'),
      delete: withoutBody('delete'),
      head: withoutBody('head'),
      options: withoutBody('options'),
      post: withBody('post'),
      put: withBody('put'),
      patch: withBody('patch'),
      defaults,
      interceptors,
      create: (extra?: Config) => create(mergeConfig(defaults, extra)),
      all: (promises: unknown[]) => Promise.all(promises),
      spread: (callback: (...values: unknown[]) => unknown) => (values: unknown[]) => callback(...values),
      isAxiosError: (value: unknown) =>
        typeof value === 'object' && value !== null && (value as { isAxiosError?: unknown }).isAxiosError === true,
    });
    return instance;
  };

  defineProperty(globalThis, 'axios', {
    value: create({ headers: { common: { Accept: 'application/json, text/plain, */*' } } }),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
