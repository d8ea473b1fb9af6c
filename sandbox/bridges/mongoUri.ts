/**
 * Which MongoDB connection strings and client options function code may use. Some driver options act on the host
 * rather than on the user's database — reading files (`tlsCAFile`, `tlsCertificateKeyFile`), using the host's cloud
 * identity (`MONGODB-AWS`, `MONGODB-OIDC`, Kerberos), or tunnelling through a proxy the egress policy never sees — so
 * options are allow-listed, and every seed host is checked here (IP literals never reach the DNS lookup hook).
 */
import dns from 'node:dns';
import { ConnectionString } from 'mongodb-connection-string-url';
import type { EgressGuard } from '../egress';
import { BridgeError } from './session';

/** Driver options that only shape how the driver talks to the user's own servers. Keys are lower-cased. */
const ALLOWED_OPTIONS = new Set(
  [
    'appName',
    'authMechanism',
    'authSource',
    'compressors',
    'zlibCompressionLevel',
    'connectTimeoutMS',
    'directConnection',
    'heartbeatFrequencyMS',
    'journal',
    'loadBalanced',
    'localThresholdMS',
    'maxIdleTimeMS',
    'maxPoolSize',
    'minPoolSize',
    'maxConnecting',
    'maxStalenessSeconds',
    'readConcernLevel',
    'readPreference',
    'readPreferenceTags',
    'replicaSet',
    'retryReads',
    'retryWrites',
    'serverSelectionTimeoutMS',
    'socketTimeoutMS',
    'srvMaxHosts',
    'srvServiceName',
    'ssl',
    'tls',
    'tlsAllowInvalidCertificates',
    'tlsAllowInvalidHostnames',
    'tlsInsecure',
    'w',
    'wtimeoutMS',
    'waitQueueTimeoutMS',
    'timeoutMS',
  ].map((name) => name.toLowerCase()),
);

const ALLOWED_AUTH_MECHANISMS = new Set(['DEFAULT', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN']);

/** `host`, `host:port`, `[v6]:port` as the connection string lists them; MongoDB's port when none is given. */
export function splitHostAndPort(hostAndPort: string): { host: string; port: number } {
  const bracketed = hostAndPort.startsWith('[');
  const host = bracketed ? hostAndPort.slice(1, hostAndPort.indexOf(']')) : hostAndPort.split(':')[0];
  const rest = hostAndPort.slice(bracketed ? hostAndPort.indexOf(']') + 1 : host.length);
  return { host, port: rest.startsWith(':') ? Number(rest.slice(1)) : 27017 };
}

async function srvTargets(host: string, serviceName: string): Promise<Array<{ host: string; port: number }>> {
  try {
    const records = await dns.promises.resolveSrv(`_${serviceName}._tcp.${host}`);
    return records.map((record) => ({ host: record.name, port: record.port }));
  } catch (error) {
    throw mongoError(`no SRV record for ${host}: ${(error as Error).message}`);
  }
}

function mongoError(message: string): BridgeError {
  return new BridgeError('MongoError', message, { code: 'EINVALID' });
}

function checkOption(name: string, value: unknown): void {
  if (!ALLOWED_OPTIONS.has(name.toLowerCase())) {
    throw mongoError(`MongoClient option "${name}" is not available to function code`);
  }
  if (name.toLowerCase() === 'authmechanism' && !ALLOWED_AUTH_MECHANISMS.has(String(value).toUpperCase())) {
    throw mongoError(
      `authMechanism ${String(value)} is not available to function code (use SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN)`,
    );
  }
}

/**
 * Checks a connection string and the options object given to `new MongoClient(uri, options)`, resolving every seed
 * host (and, for `mongodb+srv`, the hosts its SRV record names) so a refusal is immediate and clear rather than a
 * server-selection timeout. Answers the options to pass on.
 */
export async function checkMongoTarget(
  uri: string,
  options: Record<string, unknown>,
  guard: EgressGuard,
): Promise<Record<string, unknown>> {
  let parsed: ConnectionString;
  try {
    parsed = new ConnectionString(uri);
  } catch (error) {
    throw mongoError(`invalid MongoDB connection string: ${(error as Error).message}`);
  }
  for (const [name, value] of parsed.searchParams.entries()) checkOption(name, value);
  for (const [name, value] of Object.entries(options)) checkOption(name, value);
  const seeds = parsed.hosts.map(splitHostAndPort);
  const targets = parsed.isSRV
    ? await srvTargets(seeds[0].host, parsed.searchParams.get('srvServiceName') ?? 'mongodb')
    : seeds;
  for (const { host, port } of targets) await guard.resolve(host, port);
  return options;
}
