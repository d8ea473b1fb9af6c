import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
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

export async function connectClient(config: Config): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '10s' });
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}

export function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
