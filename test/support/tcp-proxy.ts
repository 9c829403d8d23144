/**
 * A loopback TCP proxy for tests and the benchmark: forwards to a Postgres
 * server, optionally delaying every chunk in each direction (to show what a
 * user sees over a network), and able to cut every connection at once (to
 * test what a client does when the network fails).
 */
import { createServer, type Server, type Socket, connect as connectSocket } from 'node:net';

export interface TcpProxy {
  /** The loopback port to connect to instead of the server's. */
  port: number;
  /** Rewrites a postgres:// URL to go through the proxy. */
  urlThrough(url: string): string;
  /** Destroys every open connection, both sides, as a network failure would. */
  cutAll(): void;
  /** While true, every byte in either direction is dropped and nothing is closed: a network that stalls. */
  stalled: boolean;
  /** Connections currently open through the proxy. */
  readonly open: number;
  /**
   * Network round trips so far: each time a client sends after the server
   * last spoke (or first) counts one. Pipelined messages count once; a
   * query that waits for an answer before sending more counts twice.
   */
  readonly roundTrips: number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Added round-trip time in ms: each direction waits half of it. */
  rttMs?: number;
}

export async function startTcpProxy({ targetHost, targetPort, rttMs = 0 }: TcpProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const oneWayMs = rttMs / 2;
  let roundTrips = 0;
  let stalled = false;
  const lastSpeaker = new WeakMap<Socket, 'client' | 'server'>();

  const pipe = (from: Socket, to: Socket, speaker: 'client' | 'server', conversation: Socket) => {
    from.on('data', (chunk) => {
      if (stalled) return;
      if (speaker === 'client' && lastSpeaker.get(conversation) !== 'client') roundTrips++;
      lastSpeaker.set(conversation, speaker);
      if (oneWayMs <= 0) to.write(chunk);
      // Equal delays fire in the order they were set, so the stream stays in order.
      else setTimeout(() => to.writable && to.write(chunk), oneWayMs);
    });
  };

  const server: Server = createServer((client) => {
    const upstream = connectSocket({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pipe(client, upstream, 'client', client);
    pipe(upstream, client, 'server', client);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    const closeLater = () => setTimeout(close, oneWayMs);
    client.on('close', closeLater).on('error', close);
    upstream.on('close', closeLater).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    urlThrough(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cutAll() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    get stalled() {
      return stalled;
    },
    set stalled(value: boolean) {
      stalled = value;
    },
    get open() {
      return pairs.size;
    },
    get roundTrips() {
      return roundTrips;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** A free loopback port, for servers the tests start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A proxy in front of the server a postgres:// URL names. */
export function startTcpProxyTo(url: string, rttMs = 0): Promise<TcpProxy> {
  const parsed = new URL(url);
  return startTcpProxy({ targetHost: parsed.hostname, targetPort: Number(parsed.port || 5432), rttMs });
}
