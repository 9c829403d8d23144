/**
 * The host that is checked is the host that is connected to: a fake server
 * on loopback records whether an SSLRequest came before the password.
 */
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeDb, connectDb, createDb } from '../../src/connection/create-db.ts';
import { connectorFor, socketOption } from '../../src/connection/connector.ts';
import { parseDatabaseUrl } from '../../src/connection/database-url.ts';
import { ConnectionConfigError } from '../../src/errors.ts';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { startFakePostgres, type FakePostgres } from '../support/fake-postgres.ts';
import { fixturePassword, fixtureSecrets } from '../support/secrets.ts';

let fake: FakePostgres;
beforeAll(async () => {
  fake = await startFakePostgres('auth');
});
afterAll(() => fake.close());

/** Runs `fn` with these PG* variables set, then puts the environment back. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const attempt = (url: string) => connectDb({ url, attempts: 1, connectTimeout: 2 }).then(closeDb, (error: unknown) => error);

describe('the host checked is the host connected to', () => {
  test('?host=localhost does not make another host local: refused, nothing sent', async () => {
    const before = fake.connections.length;
    const error = await attempt(`postgres://app:${fixturePassword}@127.1:${fake.port}/prod?host=localhost`);
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toMatch(/two hosts/);
    expect(fake.connections.length).toBe(before);
    expect(fake.cleartextPasswords).not.toContain(fixturePassword);
  });

  test('PGHOST is checked when the URL has no host: a non-local PGHOST needs TLS', async () => {
    const error = await withEnv({ PGHOST: '127.1', PGPORT: String(fake.port), PGPASSWORD: fixtureSecrets.env }, () => attempt('postgres:///prod'));
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toMatch(/Refusing to connect to 127\.1 without TLS/);
    expect(fake.cleartextPasswords).not.toContain(fixtureSecrets.env);
  });

  test('PGHOST with sslmode=require: connects to that host, SSLRequest first, no password in the clear', async () => {
    const before = fake.connections.length;
    await withEnv({ PGHOST: '127.1', PGPORT: String(fake.port), PGPASSWORD: fixtureSecrets.env }, () => attempt('postgres:///prod?sslmode=require'));
    const seen = fake.connections.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    for (const connection of seen) expect(connection.events[0]).toBe('ssl-request');
    expect(fake.cleartextPasswords).not.toContain(fixtureSecrets.env);
  });

  test('a local host gets no TLS and is connected to exactly (control: the fake sees the startup)', async () => {
    const before = fake.connections.length;
    await attempt(`postgres://app:${fixturePassword}@127.0.0.1:${fake.port}/prod`);
    expect(fake.connections.slice(before).map((connection) => connection.events)).toEqual([['startup', 'password']]);
  });

  test('?host= cannot hide a -pooler host from the migration check', async () => {
    const pooled = 'postgres://u@ep-x-pooler.example.com/db?host=ep-x.example.com&sslmode=require';
    await expect(connectForMigrations(pooled)).rejects.toThrow(ConnectionConfigError);
    // Given alone, ?host= is the host (as in libpq), and is checked as such.
    await expect(connectForMigrations('postgres:///db?user=u&host=ep-x-pooler.example.com&sslmode=require')).rejects.toThrow(/-pooler/);
  });

  test.each([
    ['postgres://u@localhost,127.0.0.1/db', /several hosts/],
    ['postgres://u@127.0.0.1/db?hostaddr=10.0.0.1', /hostaddr/],
    ['postgres://u@127.0.0.1:5432/db?port=6543', /two ports/],
    ['postgres://u@127.1/db', /Refusing to connect to 127\.1 without TLS/],
    ['postgres://u@0x7f.1/db', /without TLS/],
    ['postgres://u@localhost.evil.example/db', /without TLS/],
  ])('%s is refused', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(ConnectionConfigError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  test.each([
    ['postgres://u@localhost/db', 'localhost', 5432],
    ['postgres://u@LOCALHOST:6000/db', 'localhost', 6000],
    ['postgres://u@127.0.0.2/db', '127.0.0.2', 5432],
    ['postgres://u@[::1]:6000/db', '::1', 6000],
    ['postgres://u@%2Fvar%2Frun%2Fpostgresql/db', '/var/run/postgresql', 5432],
    ['postgres:///db?host=/tmp&port=6000', '/tmp', 6000],
  ])('%s is local, at %s port %s', (url, host, port) => {
    expect(parseDatabaseUrl(url, {})).toMatchObject({ host, port, isLocal: true, ssl: false });
  });
});

describe('connecting where postgres.js alone could not', () => {
  const ipv6Loopback = Object.values(networkInterfaces()).flat().some((address) => address?.internal && address.address === '::1');

  test.runIf(ipv6Loopback)('an IPv6 address: [::1]', async () => {
    const onIpv6 = await startFakePostgres('auth', '::1');
    try {
      await attempt(`postgres://app:${fixturePassword}@[::1]:${onIpv6.port}/db`);
      expect(onIpv6.connections.map((connection) => connection.events)).toEqual([['startup', 'password']]);
    } finally {
      await onIpv6.close();
    }
  });

  test('a Unix socket: a %-encoded directory as the host, or ?host=/dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcdb-socket-'));
    const onSocket = await startFakePostgres('auth', dir);
    try {
      await attempt(`postgres://app:${fixturePassword}@${encodeURIComponent(dir)}/db`);
      await attempt(`postgres:///db?host=${dir}&user=app&password=${fixturePassword}`);
      expect(onSocket.connections.map((connection) => connection.events)).toEqual([['startup', 'password'], ['startup', 'password']]);
      expect(onSocket.cleartextPasswords).toEqual([fixturePassword, fixturePassword]);
    } finally {
      await onSocket.close();
    }
  });
});

// What DNS or /etc/hosts would do to `localhost`, done by hand: a target judged local whose host is another address.
const outsideAddress = Object.values(networkInterfaces()).flat().find((address) => address?.family === 'IPv4' && !address.internal)?.address;

test.runIf(outsideAddress)('a host judged local whose socket reaches another address: refused before anything is sent', async () => {
  const outside = await startFakePostgres('auth', '0.0.0.0');
  const target = { ...parseDatabaseUrl(`postgres://app:${fixturePassword}@localhost:${outside.port}/db`), host: outsideAddress! };
  const connector = connectorFor(target);
  const sql = postgres(target.url, { ssl: target.ssl, max: 1, onnotice: () => {}, ...socketOption(connector) });
  try {
    const error = await sql`SELECT 1`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionConfigError);
    expect((error as Error).message).toContain(`the connection reached ${outsideAddress}; nothing was sent`);
    expect(outside.connections.map((connection) => connection.events)).toEqual([[]]);
  } finally {
    await sql.end({ timeout: 0 });
    connector.close();
    await outside.close();
  }
});

describe('a URL that cannot be decoded', () => {
  const badEscape = '%zz'; // in each part of a URL in turn: host, password, user, database
  test.each([`postgres://u@${badEscape}/db`, `postgres://u:${badEscape}@localhost/db`, `postgres://${badEscape}@localhost/db`, `postgres://u@localhost/${badEscape}`])(
    '%s is a ConnectionConfigError, not a URIError',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(ConnectionConfigError);
      expect(() => createDb({ url })).toThrow(/invalid %-escape/);
    },
  );
});
