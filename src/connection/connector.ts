/**
 * Every connection postgres.js opens for this library goes through here
 * (postgres.js's `socket` option), for three reasons:
 *
 * - It connects to exactly the host and port parseDatabaseUrl checked,
 *   never to one postgres.js worked out for itself (from PGHOST, a list of
 *   hosts, ...). Unix sockets and IPv6 addresses work too.
 * - A host taken to be this machine (so no TLS is required) must really be:
 *   the socket's peer address is checked before anything is sent on it.
 * - While a query waits, postgres.js reconnects at once, in a loop, to a
 *   server that accepts each connection and drops it (a broken proxy, an
 *   overloaded server): thousands of connections a second. After each
 *   connection the server accepted and closed without sending a byte, the
 *   next one waits longer: 0.25 s, 0.5 s, 1 s, ... up to 5 s.
 *
 * The socket is handed over while it connects, as postgres.js's own are:
 * its connect_timeout then covers the TCP connect and the handshake, and a
 * failure reaches it as the socket's error.
 */
import { connect, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { ConnectionConfigError } from '../errors.ts';
import { type DatabaseTarget, tlsEnforced } from './database-url.ts';

export interface Connector {
  (): Promise<Socket>;
  /** Stops connecting: a backoff wait is cut short, open sockets are destroyed, and later connections fail at once. */
  close(): void;
  /** Connections opened so far. */
  readonly opened: number;
}

const firstBackoffMs = 250;
const maxBackoffMs = 5_000;

export function connectorFor(target: DatabaseTarget): Connector {
  const where = target.host.startsWith('/') ? `${target.host}/.s.PGSQL.${target.port}` : `${target.host}:${target.port}`;
  const closing = new AbortController();
  const open = new Set<Socket>();
  let last: { socket: Socket; connected: boolean } | undefined;
  let silentDrops = 0;
  let opened = 0;

  const connector = async (): Promise<Socket> => {
    // A refused connection fails its query at once, so only accepted-then-dropped ones back off.
    if (last?.socket.destroyed) silentDrops = last.connected && last.socket.bytesRead === 0 ? silentDrops + 1 : 0;
    if (silentDrops > 0) {
      await sleep(Math.min(firstBackoffMs * 2 ** (silentDrops - 1), maxBackoffMs), undefined, { signal: closing.signal }).catch(() => {});
    }
    if (closing.signal.aborted) return failed(connectionError('CONNECTION_DESTROYED', `no new connection to ${where}: the client is closed`));

    const socket = target.host.startsWith('/') ? connect({ path: where }) : connect({ host: target.host, port: target.port });
    opened++;
    const attempt = { socket, connected: false };
    last = attempt;
    socket.once('connect', () => (attempt.connected = true));
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // postgres.js reads these for TLS's server name and its error messages.
    Object.assign(socket, { host: target.host, port: target.port });
    if (!target.host.startsWith('/') && !tlsEnforced(target.sslMode)) {
      // Registered before postgres.js writes, so it runs before anything queued is sent.
      socket.once('connect', () => {
        if (isLoopback(socket.remoteAddress)) return;
        socket.destroy(
          new ConnectionConfigError(
            `${target.host} was taken to be this machine, but the connection reached ${socket.remoteAddress}; nothing was sent. ` +
              'Add sslmode=require to the database URL.',
          ),
        );
      });
    }
    return socket;
  };

  const close = () => {
    closing.abort();
    for (const socket of open) socket.destroy();
  };
  return Object.defineProperties(connector, { close: { value: close }, opened: { get: () => opened } }) as Connector;
}

/** postgres.js's `socket` option, which its type definitions leave out. */
export function socketOption(connector: Connector): Partial<postgres.Options<Record<string, postgres.PostgresType>>> {
  return { socket: connector } as Partial<postgres.Options<Record<string, postgres.PostgresType>>>;
}

/** The connector a client was created with, to close it when the client is given up. */
export function connectorOf(client: postgres.Sql): Connector | undefined {
  return (client.options as { socket?: Connector }).socket;
}

/** An error shaped like postgres.js's own connection errors (`code` is what toLibraryError reads). */
export function connectionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A socket that never connects and fails with `error` once postgres.js listens to it. */
function failed(error: Error): Socket {
  const socket = new Socket();
  setImmediate(() => socket.destroy(error));
  return socket;
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

/**
 * `SELECT 1` on a new client, bounded as a whole (connecting, reconnecting,
 * TLS, authentication) by the client's connect_timeout. On failure the
 * caller closes the client (and its connector).
 */
export async function firstQuery(sql: postgres.Sql): Promise<void> {
  const seconds = sql.options.connect_timeout;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const tried = connectorOf(sql)?.opened;
      const detail = tried === undefined ? '' : `; ${tried} connection${tried === 1 ? '' : 's'} tried`;
      reject(connectionError('CONNECT_TIMEOUT', `no ready connection within ${seconds} s${detail}`));
    }, seconds * 1000);
  });
  try {
    await Promise.race([sql`SELECT 1`, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
