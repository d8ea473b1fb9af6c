import path from 'node:path';
import { z } from 'zod';

/** Every setting the product reads from the environment, in one place. */

/**
 * The shape every payload entering the product must keep (JSON bodies, run inputs, event payloads, schedule inputs,
 * node results): checked by one iterative walk before anything recursive (JSON.stringify, Temporal's payload
 * conversion) touches it. `maxDepth` counts nested objects and arrays (`{}` is 1 deep, `{"a":[]}` 2); `maxKeys` counts
 * every object key and array element, all levels together.
 */
export const PAYLOAD_LIMITS = { maxDepth: 256, maxKeys: 100_000 } as const;

/**
 * The largest payload (its JSON, in bytes) a run may start with, whatever brings it: an API run's input, a webhook's
 * payload (body, headers and query), an event on the bus or read by a trigger. Temporal refuses any payload past its
 * blob size limit (2 MiB by default, the dev server's and Temporal Cloud's), and an entry node's activity carries the
 * payload twice (its input and `context.trigger.payload`), so a payload past 64 KiB never travels in Temporal: it is
 * kept in the store and the run carries a reference (`$nectarRef`), resolved where a node reads it. What bounds it then
 * is the store's document (16 MiB) and the node's isolate, which holds it twice (64 MB by default).
 */
export const RUN_PAYLOAD_MAX_BYTES = 10 * 1024 * 1024;

/**
 * A request body that carries a run's payload (API run starts, events, webhooks) may exceed the payload by this much
 * (its envelope, a webhook's headers): the payload's own limit is the one that answers, naming itself.
 */
export const RUN_BODY_MAX_BYTES = RUN_PAYLOAD_MAX_BYTES + 64 * 1024;

const csv = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? fallback
        : value
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean),
    );

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

export const DEFAULT_ENV_ALLOW_LIST = [
  'MONGODB_URI',
  'EMAIL_USER',
  'EMAIL_PASSWORD',
  'OPENAI_API_KEY',
  'AWS_ACCESS_KEY_ID',
  'PUBLIC_URL',
  'NODE_ENV',
];

/** Names that never reach function code, whatever the allow-list says. */
export const ALWAYS_BLOCKED_ENV = [
  'JWT_SECRET',
  'ENCRYPTION_KEY',
  'ADMIN_EMAIL',
  'MCP_DEVELOPER_KEY',
  'NECTAR_API_KEY',
  'NECTAR_MONGODB_URI',
  'NECTAR_SECRETS_KEY',
  'TEMPORAL_API_KEY',
  'NECTAR_UPLOADS_S3_ACCESS_KEY_ID',
  'NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY',
];

/** The AWS default chain's variables: the platform's when uploads use S3 without keys of their own, so blocked then. */
export const AWS_CREDENTIAL_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

const EnvironmentSchema = z.object({
  PORT: port(3000),
  NECTAR_DATA_DIR: z.string().default('.data'),
  NECTAR_API_KEY: z.string().min(16, 'NECTAR_API_KEY must be at least 16 characters').optional(),
  NECTAR_TASK_QUEUE: z.string().min(1).default('nectar'),
  NECTAR_MONGODB_URI: z.string().optional(),
  NECTAR_MONGODB_DB: z.string().min(1).optional(),
  NECTAR_TEMPORAL_PORT: port(7233),
  NECTAR_TEMPORAL_UI_PORT: port(8233),
  NECTAR_FERRETDB_PORT: port(27217),
  NECTAR_TEMPORAL_BIN: z.string().optional(),
  NECTAR_FERRETDB_BIN: z.string().optional(),
  NECTAR_ENV_ALLOW: csv(DEFAULT_ENV_ALLOW_LIST),
  NECTAR_ENV_BLOCK: csv([]),
  /** Host names, `*.domains`, addresses and CIDRs function code may reach although they are internal (see sandbox/egress.ts). */
  NECTAR_EGRESS_ALLOW: csv([]),
  /** Sandbox processes a worker runs isolates in; 0 runs them in the worker itself. Default: up to 2, one per core. */
  NECTAR_SANDBOX_PROCESSES: z.coerce.number().int().min(0).max(64).optional(),
  /**
   * CPU niceness `npm start` gives the processes that run flows (the worker with its sandboxes, the embedded Temporal
   * server and FerretDB, which counts every execution): on one machine a run costs a hundred times what accepting a
   * webhook does, so taking deliveries goes first when the cores are all busy, and it changes nothing when they are
   * not. 0 turns it off.
   */
  NECTAR_RUN_NICENESS: z.coerce.number().int().min(0).max(19).default(10),
  NECTAR_HOST: z.string().default('127.0.0.1'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_UI_URL: z.string().optional(),
  /**
   * Where users reach the studio (behind a proxy, its public address): links to runs that leave the studio, such as an
   * error handler's `link`, are made absolute with it. `npm start` sets the gateway's own address when unset.
   */
  NECTAR_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  /** Base64 of 32 bytes sealing workspace variables; generated under the data dir when unset. */
  NECTAR_SECRETS_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes')
    .optional(),
  NECTAR_DEFAULT_PLAN: z.enum(['starter', 'professional', 'enterprise']).default('enterprise'),
  /** Browser origins allowed to call the API (CORS), comma-separated; `*` for any; none by default. */
  NECTAR_CORS_ORIGINS: csv([]),
  /** Requests a minute one API key may make (0: unlimited); the admin key is not limited. */
  NECTAR_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** How long a stopping gateway waits for accepted requests to finish. */
  NECTAR_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /** Longest a gateway request waits for the store or Temporal before answering 503 (a part down or hung). */
  NECTAR_DEPENDENCY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /**
   * The gateway also runs a worker of the interpreter's task queue, on its client's connection, and starts the runs it
   * waits for (sync webhooks, `?wait=true`, step tests) with eager workflow start: their first workflow task comes back
   * in the start response and runs in the gateway's process, skipping a task-queue round trip.
   */
  NECTAR_EAGER_START: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Async webhooks answer once the delivery is journaled on disk (default) rather than once Temporal has the run. */
  NECTAR_WEBHOOK_JOURNAL: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Largest multipart (file upload) webhook body; files are kept under the data dir's uploads/ or in S3 (below). */
  NECTAR_UPLOAD_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'a size like 512kb or 10mb')
    .default('10mb'),
  NECTAR_WEBHOOK_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'a size like 512kb or 1mb')
    .default(`${RUN_BODY_MAX_BYTES}b`),
  /**
   * Request-body bytes the gateway reads and holds at once, all requests together (a size like 64mb); a request that
   * would pass it is answered 503 with Retry-After. At least the largest body a route reads, which it is by default.
   */
  NECTAR_BODY_BYTES_IN_FLIGHT: z
    .string()
    .regex(/^\d+(b|kb|mb|gb)?$/i, 'a size like 64mb')
    .optional(),
  /** Uploads go to this S3 (or S3-compatible) bucket instead of the data dir's uploads/. */
  NECTAR_UPLOADS_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lowercase letters, digits, "." or "-")')
    .optional(),
  /** An S3-compatible service (MinIO, R2, …) instead of AWS: its URL. */
  NECTAR_UPLOADS_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  NECTAR_UPLOADS_S3_REGION: z.string().min(1).optional(),
  NECTAR_UPLOADS_S3_FORCE_PATH_STYLE: flag,
  /** Keys of the uploads bucket; without them, the AWS SDK's default chain (AWS_* variables, profile, instance role). */
  NECTAR_UPLOADS_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /**
   * Hosts SNS signing certificates and subscription confirmations are fetched from (HTTPS only): `*` stands for one
   * label, `host:port` pins a port. Widen it only for a test or a private SNS-compatible service.
   */
  NECTAR_SNS_CERT_HOSTS: csv(['sns.*.amazonaws.com', 'sns.*.amazonaws.com.cn']),
  /** Workers record every code-node execution and run (the dashboard's figures); `false` records nothing. */
  NECTAR_METRICS_RECORDING: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /** Days execution records, run records, stored node outputs and logs, step tests and old draft revisions are kept. */
  NECTAR_RETENTION_DAYS: z.coerce.number().min(0.001).max(36_500).default(30),
  /** Days the dashboard's hourly and daily rollups are kept (minute rollups: 2 days). */
  NECTAR_ROLLUP_RETENTION_DAYS: z.coerce.number().min(1).max(36_500).default(400),
  /** The worker's Prometheus endpoint (`GET /metrics`); taken: a free one, printed; 0 turns it off. */
  NECTAR_WORKER_METRICS_PORT: port(9464),
});

type Environment = z.infer<typeof EnvironmentSchema>;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `10mb` → bytes, as express's body parsers read their limits (units of 1024). */
function sizeBytes(size: string): number {
  const [, digits, unit = 'b'] = /^(\d+)([a-z]*)$/i.exec(size) ?? ['', '0'];
  return Number(digits) * (SIZE_UNITS[unit.toLowerCase()] ?? 1);
}

/** The default budget of request-body bytes in flight: a few large bodies at once, and never less than one. */
const BODY_BYTES_IN_FLIGHT_DEFAULT = 64 * 1024 * 1024;

/**
 * The gateway's budget of body bytes in flight and the largest body a route reads (the run routes, webhooks, uploads):
 * the budget holds at least one such body, so a request alone is never refused for the others.
 */
function bodyLimits(e: Environment) {
  const largestBody = Math.max(
    RUN_BODY_MAX_BYTES,
    sizeBytes(e.NECTAR_WEBHOOK_BODY_LIMIT),
    sizeBytes(e.NECTAR_UPLOAD_LIMIT),
  );
  if (e.NECTAR_BODY_BYTES_IN_FLIGHT === undefined)
    return { budget: Math.max(BODY_BYTES_IN_FLIGHT_DEFAULT, largestBody), largestBody };
  const budget = sizeBytes(e.NECTAR_BODY_BYTES_IN_FLIGHT);
  if (budget < largestBody)
    throw new ConfigError(
      `Invalid environment:\n  NECTAR_BODY_BYTES_IN_FLIGHT (${budget} bytes) must hold at least the largest request body a route reads (${largestBody} bytes: the run payload limit, NECTAR_WEBHOOK_BODY_LIMIT, NECTAR_UPLOAD_LIMIT)`,
    );
  return { budget, largestBody };
}

/** Where webhook uploads are kept: always the local dir (older uploads stay readable there), and S3 when configured. */
function uploadsConfig(e: Environment, dataDir: string) {
  const local = { dir: path.join(dataDir, 'uploads') };
  const keyId = e.NECTAR_UPLOADS_S3_ACCESS_KEY_ID;
  const secret = e.NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY;
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new ConfigError(
      'Invalid environment:\n  NECTAR_UPLOADS_S3_ACCESS_KEY_ID and NECTAR_UPLOADS_S3_SECRET_ACCESS_KEY are set together or not at all',
    );
  }
  const bucket = e.NECTAR_UPLOADS_S3_BUCKET;
  if (bucket === undefined) {
    const stray = (
      ['NECTAR_UPLOADS_S3_ENDPOINT', 'NECTAR_UPLOADS_S3_REGION', 'NECTAR_UPLOADS_S3_ACCESS_KEY_ID'] as const
    ).filter((name) => e[name] !== undefined);
    if (stray.length > 0)
      throw new ConfigError(`Invalid environment:\n  NECTAR_UPLOADS_S3_BUCKET must be set when ${stray.join(', ')} is`);
    return { local, s3: undefined };
  }
  const s3 = {
    bucket,
    endpoint: e.NECTAR_UPLOADS_S3_ENDPOINT,
    region: e.NECTAR_UPLOADS_S3_REGION ?? 'us-east-1',
    forcePathStyle: e.NECTAR_UPLOADS_S3_FORCE_PATH_STYLE,
    credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : undefined,
  };
  return { local, s3 };
}

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = EnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.NECTAR_DATA_DIR);
  const uploads = uploadsConfig(e, dataDir);
  return {
    port: e.PORT,
    host: e.NECTAR_HOST,
    dataDir,
    publicUrl: e.NECTAR_PUBLIC_URL,
    adminKey: e.NECTAR_API_KEY,
    taskQueue: e.NECTAR_TASK_QUEUE,
    mongo: { uri: e.NECTAR_MONGODB_URI, dbName: e.NECTAR_MONGODB_DB },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: {
        enabled: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH) || Boolean(e.TEMPORAL_API_KEY),
        clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH,
        clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH,
        serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
        serverName: e.TEMPORAL_TLS_SERVER_NAME,
      },
      uiUrl: e.TEMPORAL_UI_URL,
    },
    embedded: {
      temporalPort: e.NECTAR_TEMPORAL_PORT,
      temporalUiPort: e.NECTAR_TEMPORAL_UI_PORT,
      ferretdbPort: e.NECTAR_FERRETDB_PORT,
      temporalBin: e.NECTAR_TEMPORAL_BIN,
      ferretdbBin: e.NECTAR_FERRETDB_BIN,
    },
    gateway: {
      webhookBodyLimit: e.NECTAR_WEBHOOK_BODY_LIMIT,
      defaultPlan: e.NECTAR_DEFAULT_PLAN,
      corsOrigins: e.NECTAR_CORS_ORIGINS,
      rateLimitPerMinute: e.NECTAR_RATE_LIMIT_PER_MINUTE,
      shutdownGraceMs: e.NECTAR_SHUTDOWN_GRACE_MS,
      webhookJournal: e.NECTAR_WEBHOOK_JOURNAL,
      eagerStart: e.NECTAR_EAGER_START,
      dependencyTimeoutMs: e.NECTAR_DEPENDENCY_TIMEOUT_MS,
      uploadLimit: e.NECTAR_UPLOAD_LIMIT,
      bodyLimits: bodyLimits(e),
    },
    workspaces: {
      secretsKey: e.NECTAR_SECRETS_KEY,
    },
    egress: { allow: e.NECTAR_EGRESS_ALLOW },
    triggers: { snsCertHosts: e.NECTAR_SNS_CERT_HOSTS },
    sandboxProcesses: e.NECTAR_SANDBOX_PROCESSES,
    metrics: {
      recording: e.NECTAR_METRICS_RECORDING,
      retentionDays: e.NECTAR_RETENTION_DAYS,
      rollupRetentionDays: e.NECTAR_ROLLUP_RETENTION_DAYS,
      workerPort: e.NECTAR_WORKER_METRICS_PORT,
    },
    runNiceness: e.NECTAR_RUN_NICENESS,
    uploads,
    functionEnv: {
      allow: e.NECTAR_ENV_ALLOW,
      block: [
        ...ALWAYS_BLOCKED_ENV,
        ...(uploads.s3 && !uploads.s3.credentials ? AWS_CREDENTIAL_ENV : []),
        ...e.NECTAR_ENV_BLOCK,
      ],
    },
  };
}

/** Settings that must be present once the launcher (or the operator) has provided them. */
export function requireSetting<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new ConfigError(`${name} must be set`);
  return value;
}
