import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A real HTTP server for a test, on a free port of 127.0.0.1. */
export interface LocalServer {
  server: Server;
  url: string;
  close: () => Promise<void>;
}

export async function listenLocally(app: Express): Promise<LocalServer> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
