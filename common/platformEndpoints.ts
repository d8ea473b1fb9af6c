/**
 * The platform's own services as `host:port`: the gateway, Temporal (and its Web UI when embedded), the store and
 * the uploads' S3-compatible service when one is configured.
 * The egress policy keeps them closed to function code even when NECTAR_EGRESS_ALLOW opens their address (a
 * development setup that opens 127.0.0.1 for a local API must not open the platform's database with it).
 */
import { ConnectionString } from 'mongodb-connection-string-url';
import type { Config } from './config';

const HOST_AND_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/;

export function platformEndpoints(config: Config): string[] {
  const endpoints = [
    `${config.host}:${config.port}`,
    `${config.host}:${config.embedded.temporalPort}`,
    `${config.host}:${config.embedded.temporalUiPort}`,
    `${config.host}:${config.embedded.ferretdbPort}`,
  ];
  if (config.temporal.address) endpoints.push(config.temporal.address);
  if (config.mongo.uri) endpoints.push(...storeEndpoints(config.mongo.uri));
  if (config.uploads.s3?.endpoint) endpoints.push(urlEndpoint(config.uploads.s3.endpoint));
  return [...new Set(endpoints.filter((endpoint) => HOST_AND_PORT.test(endpoint)))];
}

/** `host:port` of a URL, with the scheme's port when it names none. */
function urlEndpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? 443 : 80)}`;
}

/** The hosts a store URI names; a `mongodb+srv` URI names its hosts only in DNS, which the driver reads at connect. */
function storeEndpoints(uri: string): string[] {
  try {
    const parsed = new ConnectionString(uri);
    if (parsed.isSRV) return [];
    return parsed.hosts.map((host) => (/:\d+$/.test(host) ? host : `${host}:27017`));
  } catch {
    return [];
  }
}
