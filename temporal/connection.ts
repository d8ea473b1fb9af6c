import fs from 'node:fs';
import { Client } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../common/config';
import { requireSetting } from '../common/config';

/** Address, TLS and API key for any Temporal cluster, the same for the client and the worker. */
export function temporalConnectionOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  const { address, apiKey, tls } = config.temporal;
  const read = (file?: string) => (file ? fs.readFileSync(file) : undefined);
  const clientCert = read(tls.clientCertPath);
  const clientKey = read(tls.clientKeyPath);
  if (Boolean(clientCert) !== Boolean(clientKey)) {
    throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  const tlsConfig: TLSConfig | undefined = tls.enabled
    ? {
        serverNameOverride: tls.serverName,
        serverRootCACertificate: read(tls.serverCaCertPath),
        clientCertPair: clientCert && clientKey ? { crt: clientCert, key: clientKey } : undefined,
      }
    : undefined;
  return { address: requireSetting(address, 'TEMPORAL_ADDRESS'), tls: tlsConfig, apiKey };
}

/**
 * The gateway's client, on the SDK's native (Rust) connection rather than grpc-js: gRPC framing, HTTP/2 and TLS run off
 * the JavaScript thread, so every start, describe and result the gateway asks of Temporal takes less from the thread
 * that answers webhooks.
 */
export async function connectClient(config: Config): Promise<{ client: Client; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}

export function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
