/** TLS against a real server with a certificate the test made: require, verify-full with the right and a wrong CA. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeDb, connectDb, createDb } from '../../src/connection/create-db.ts';
import { ConnectionConfigError, DatabaseError } from '../../src/errors.ts';
import { canStartTlsPostgres, startTlsPostgres, type TlsPostgres } from '../support/tls-postgres.ts';
import { fixturePassword } from '../support/secrets.ts';

describe.runIf(canStartTlsPostgres)('TLS', () => {
  let server: TlsPostgres;
  beforeAll(async () => {
    server = await startTlsPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  const url = (host: string, query: string) => `postgres://postgres@${host}:${server.port}/postgres?${query}`;

  async function sslInUse(connectionUrl: string): Promise<boolean> {
    const db = createDb({ url: connectionUrl, max: 1, connectTimeout: 5 });
    try {
      const [row] = await db.$client`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
      return row!.ssl as boolean;
    } finally {
      await closeDb(db);
    }
  }

  test('sslmode=require connects over TLS', async () => {
    expect(await sslInUse(url('127.0.0.1', 'sslmode=require'))).toBe(true);
  });

  test('sslmode=verify-full with the right CA connects, checking the host name', async () => {
    expect(await sslInUse(url('localhost', `sslmode=verify-full&sslrootcert=${server.caPath}`))).toBe(true);
  });

  test('sslmode=verify-full with a wrong CA fails, with a typed error and no password', async () => {
    const error = await connectDb({ url: `postgres://postgres:${fixturePassword}@localhost:${server.port}/postgres?sslmode=verify-full&sslrootcert=${server.wrongCaPath}`, attempts: 1, connectTimeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).not.toContain(fixturePassword);
    expect(String((error as Error).cause)).toMatch(/certificate/i);
  });

  test('a non-local host without TLS is refused before connecting', () => {
    expect(() => createDb({ url: 'postgres://postgres@db.example.com:5432/postgres' })).toThrow(ConnectionConfigError);
  });
});
