/**
 * Which MongoDB connection strings and client options function code may use. Some driver options act on the host
 * rather than on the user's database — reading files (`tlsCAFile`, `tlsCertificateKeyFile`), using the host's cloud
 * identity (`MONGODB-AWS`, `MONGODB-OIDC`, Kerberos), or tunnelling through a proxy the egress policy never sees — so
 * options are allow-listed, and every seed host is checked here (IP literals never reach the DNS lookup hook).
 */
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

function mongoError(message: string): BridgeError {
  return new BridgeError('MongoError', message, { code: 'EINVALID' });
}

function checkOption(name: string, value: unknown): void {
  if (!ALLOWED_OPTIONS.has(name.toLowerCase())) {
    throw mongoError(`MongoClient option "${name}" is not available to function code`);
  }
  if (name.toLowerCase() === 'authmechanism' && !ALLOWED_AUTH_MECHANISMS.has(String(value).toUpperCase())) {
    throw mongoError(`authMechanism ${String(value)} is not available to function code (use SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN)`);
  }
}

/** Checks a connection string and the options object given to `new MongoClient(uri, options)`; answers the options to pass on. */
export function checkMongoTarget(uri: string, options: Record<string, unknown>, guard: EgressGuard): Record<string, unknown> {
  let parsed: ConnectionString;
  try {
    parsed = new ConnectionString(uri);
  } catch (error) {
    throw mongoError(`invalid MongoDB connection string: ${(error as Error).message}`);
  }
  for (const [name, value] of parsed.searchParams.entries()) checkOption(name, value);
  for (const [name, value] of Object.entries(options)) checkOption(name, value);
  for (const hostAndPort of parsed.hosts) {
    const host = hostAndPort.startsWith('[') ? hostAndPort.slice(1, hostAndPort.indexOf(']')) : hostAndPort.split(':')[0];
    guard.checkHostLiteral(host);
  }
  return options;
}
