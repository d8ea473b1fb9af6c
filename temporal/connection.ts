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

/**
 * Runs `work` with a deadline on every Temporal call made in it (and in what it starts), each call's own: `deadlineMs`
 * from when that call is made. The SDK's native connection otherwise retries an unreachable server for a long while,
 * and waits without end on a hung one. A call that must wait longer (a long poll for a run's result) sets its own with
 * `withDeadline`.
 */
export function withCallDeadlines(connection: NativeConnection, deadlineMs: number, work: () => void): void {
  const context = {
    get deadline() {
      return Date.now() + deadlineMs;
    },
  };
  connection.callContextStorage.run(context, work);
}
