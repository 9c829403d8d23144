/**
 * A WebSocket-to-TCP proxy, as Neon documents for using its serverless
 * driver with a local Postgres (what `wsproxy` does): each WebSocket
 * connection to `/v1?address=host:port` is piped to a TCP connection to that
 * address, binary messages one to one. Only loopback addresses are accepted.
 *
 *   const proxy = await startWsProxy();
 *   Object.assign(neonConfig, proxy.neonConfig, { webSocketConstructor: ws });
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface WsProxy {
  readonly port: number;
  /** The settings of `neonConfig` that route the driver through this proxy, without TLS. */
  readonly neonConfig: {
    wsProxy: (host: string, port: number | string) => string;
    useSecureWebSocket: false;
    pipelineConnect: false;
    pipelineTLS: false;
    forceDisablePgSSL: true;
  };
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startWsProxy(): Promise<WsProxy> {
  const sockets = new Set<Socket>();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws, request) => {
    const address = new URL(request.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator);
    const port = Number(address.slice(separator + 1));
    if (!loopback.has(host) || !Number.isInteger(port)) {
      ws.close(1008, 'loopback addresses only');
      return;
    }
    const socket = connect({ host, port });
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => ws.send(chunk));
    socket.on('close', () => {
      sockets.delete(socket);
      ws.close();
    });
    socket.on('error', () => ws.terminate());
    ws.on('message', (data) => socket.write(data as Buffer));
    ws.on('close', () => socket.destroy());
    ws.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    neonConfig: {
      wsProxy: (host, targetPort) => `127.0.0.1:${port}/v1?address=${host}:${targetPort}`,
      useSecureWebSocket: false,
      pipelineConnect: false,
      pipelineTLS: false,
      forceDisablePgSSL: true,
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
