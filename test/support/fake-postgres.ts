/**
 * A fake PostgreSQL server on a loopback socket, for the connection tests:
 * it records what each client sends first (an SSLRequest, or a startup
 * message in the clear) and whether a password crossed the wire unencrypted.
 *
 *   mode 'auth': answers an SSLRequest with 'N' (no TLS here), asks a
 *                startup message for a cleartext password, records it, refuses it.
 *   mode 'drop': accepts every connection and closes it at once, as a
 *                broken proxy or an overloaded server does.
 */
import { createServer, type Socket } from 'node:net';

export interface FakeConnection {
  /** In order: 'ssl-request', 'tls-hello', 'startup', 'password'. */
  events: string[];
  /** The startup message's parameters (user, database, application_name, ...). */
  parameters?: Record<string, string>;
  /** The password received in the clear, if one was. */
  password?: string;
}

export interface FakePostgres {
  port: number;
  /** Every connection accepted so far. */
  readonly connections: FakeConnection[];
  /** Passwords received without TLS. */
  readonly cleartextPasswords: string[];
  close(): Promise<void>;
}

const sslRequestCode = 80877103;
const protocol3 = 196608;

/** Listens on `host` (a random port), or, given a directory, on its Unix socket `.s.PGSQL.5432`. */
export async function startFakePostgres(mode: 'auth' | 'drop', host = '127.0.0.1'): Promise<FakePostgres> {
  const connections: FakeConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const connection: FakeConnection = { events: [] };
    connections.push(connection);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => {});
    if (mode === 'drop') {
      socket.destroy();
      return;
    }
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!started && buffer[0] === 0x16) {
        // A TLS ClientHello: the client went ahead with TLS; nothing more to learn.
        connection.events.push('tls-hello');
        socket.destroy();
        return;
      }
      for (;;) {
        // Before the startup message, messages have no type byte.
        const headerLength = started ? 5 : 4;
        if (buffer.length < headerLength) return;
        const length = buffer.readInt32BE(started ? 1 : 0);
        const total = started ? length + 1 : length;
        if (buffer.length < total) return;
        const message = buffer.subarray(0, total);
        buffer = buffer.subarray(total);
        if (!started) {
          const code = message.readInt32BE(4);
          if (code === sslRequestCode) {
            connection.events.push('ssl-request');
            socket.write('N');
          } else if (code === protocol3) {
            connection.events.push('startup');
            const fields = message.subarray(8).toString('utf8').split('\0');
            connection.parameters = Object.fromEntries(fields.flatMap((key, i) => (i % 2 === 0 && key ? [[key, fields[i + 1] ?? '']] : [])));
            started = true;
            socket.write(authenticationCleartextPassword());
          } else {
            socket.destroy();
            return;
          }
        } else if (String.fromCharCode(message[0]!) === 'p') {
          connection.events.push('password');
          connection.password = message.subarray(5, message.length - 1).toString('utf8');
          socket.end(errorResponse('28P01', 'fake server: password refused'));
          return;
        } else {
          socket.destroy();
          return;
        }
      }
    });
  });
  const onUnixSocket = host.startsWith('/');
  await new Promise<void>((resolve) => (onUnixSocket ? server.listen(`${host}/.s.PGSQL.5432`, resolve) : server.listen(0, host, resolve)));
  return {
    port: onUnixSocket ? 5432 : (server.address() as { port: number }).port,
    connections,
    get cleartextPasswords() {
      return connections.flatMap((connection) => (connection.password === undefined ? [] : [connection.password]));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function authenticationCleartextPassword(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0);
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5);
  return message;
}

function errorResponse(sqlState: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${sqlState}\0M${text}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}
