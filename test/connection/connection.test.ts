import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { closeDb, connectDb, createDb, createEmbeddedDb } from '../../src/connection/create-db.ts';
import { credentialsIn, parseDatabaseUrl, redactUrl } from '../../src/connection/database-url.ts';
import { ConnectionConfigError, DatabaseError } from '../../src/errors.ts';
import { connectForMigrations, openEmbedded } from '../../src/migrate/client.ts';
import { migrate } from '../../src/migrate/index.ts';
import { addMessage, createSession, createUser, getConversationWithCitations } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { startFakePostgres } from '../support/fake-postgres.ts';
import { fixturePassword, fixtureSecrets } from '../support/secrets.ts';

describe('parseDatabaseUrl', () => {
  test.each([
    `postgres://user:${fixturePassword}@db.example.com/chat`,
    `postgres://user:${fixturePassword}@db.example.com/chat?sslmode=disable`,
    `postgres://user:${fixturePassword}@db.example.com/chat?sslmode=prefer`,
    `postgresql://user:${fixturePassword}@10.0.0.5:5432/chat?sslmode=allow`,
  ])('refuses %s: a remote host without TLS', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(ConnectionConfigError);
    expect(() => parseDatabaseUrl(url)).toThrow(/without TLS: add sslmode=require/);
  });

  test.each([
    ['postgres://u@localhost/db', false],
    ['postgres://u@127.0.0.1:5432/db', false],
    ['postgres://u@[::1]/db', false],
    ['postgres://u@db.example.com/db?sslmode=require', 'require'],
  ] as const)('accepts %s', (url, ssl) => {
    expect(parseDatabaseUrl(url).ssl).toEqual(ssl);
  });

  test("a Neon URL: TLS kept, channel_binding dropped, the pooler recognised, the password never shown", () => {
    const target = parseDatabaseUrl(`postgresql://user:${fixturePassword}@ep-cool-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require&application_name=api`);
    expect(target).toMatchObject({ isPooler: true, isLocal: false, sslMode: 'require', ssl: 'require' });
    expect(new URL(target.url).searchParams.has('channel_binding')).toBe(false);
    expect(new URL(target.url).searchParams.has('sslmode')).toBe(false);
    expect(new URL(target.url).searchParams.get('application_name')).toBe('api');
    expect(target.redacted).toBe('postgresql://user:***@ep-cool-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require&application_name=api');
    expect(parseDatabaseUrl(`postgresql://user:${fixturePassword}@ep-cool-1.us-east-2.aws.neon.tech/neondb?sslmode=require`).isPooler).toBe(false);
  });

  test('the password and every credential-bearing parameter are redacted, wherever they are', () => {
    const target = parseDatabaseUrl(`postgres://u@db.example.com/db?sslmode=require&sslpassword=${fixtureSecrets.ssl}&api_token=tok&password=${fixtureSecrets.param}`);
    expect(target.redacted).toBe('postgres://u@db.example.com/db?sslmode=require&sslpassword=***&api_token=***&password=***');
    expect(redactUrl(`postgres://u:${fixturePassword}@h/db?password=${fixtureSecrets.param}`)).toBe('postgres://u:***@h/db?password=***');
    const withAt = `${fixturePassword}@x`; // %-escaped in a URL, and redacted in both spellings
    expect(credentialsIn(`postgres://u:${encodeURIComponent(withAt)}@h/db?sslpassword=${fixtureSecrets.ssl}`)).toEqual([
      encodeURIComponent(withAt),
      withAt,
      fixtureSecrets.ssl,
    ]);
  });

  test('verify-full checks the certificate and the host name; verify-ca the certificate only', () => {
    const full = parseDatabaseUrl('postgres://u@db.example.com/db?sslmode=verify-full');
    expect(full.ssl).toMatchObject({ rejectUnauthorized: true, servername: 'db.example.com' });
    const ca = parseDatabaseUrl('postgres://u@db.example.com/db?sslmode=verify-ca');
    expect(typeof (ca.ssl as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
    expect(() => parseDatabaseUrl('postgres://u@db.example.com/db?sslmode=verify-full&sslrootcert=/nonexistent.pem')).toThrow(
      'Cannot read sslrootcert /nonexistent.pem',
    );
  });

  test('an invalid URL or sslmode is a ConnectionConfigError that does not echo the URL', () => {
    expect(() => parseDatabaseUrl('not a url with password hunter2')).toThrow(/not a valid URL/);
    expect(() => parseDatabaseUrl('not a url with password hunter2')).not.toThrow(/hunter2/);
    expect(() => parseDatabaseUrl('mysql://u@localhost/db')).toThrow(/postgres:\/\//);
    expect(() => parseDatabaseUrl('postgres://u@localhost/db?sslmode=sometimes')).toThrow(/Unknown sslmode/);
  });
});

describe('createDb', () => {
  const t = useDatabase();

  test('without a URL it says how to give one', () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      expect(() => createDb()).toThrow('No database URL: pass { url } or set DATABASE_URL.');
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });

  test('turns prepared statements off behind a pooler', async () => {
    const pooled = createDb({ url: `postgres://user:${fixturePassword}@ep-x-pooler.example.com/db?sslmode=require` });
    expect(pooled.$client.options.prepare).toBe(false);
    expect(createDb({ url: t.url }).$client.options.prepare).toBe(true);
    await closeDb(pooled);
  });

  test('helpers compose in the caller’s transaction, and roll back with it', async () => {
    const email = `tx-${Date.now()}@example.test`;
    await expect(
      t.api.transaction(async (tx) => {
        const user = await createUser(tx, { email });
        const session = await createSession(tx, { userId: user.id });
        await addMessage(tx, { sessionId: session.id, userId: user.id, role: 'user', content: 'hi' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const [row] = await t.sql`SELECT count(*)::int AS n FROM users WHERE email = ${email}`;
    expect(row!.n).toBe(0);
  });

  test('connectDb: an unreachable server fails after its bounded retries with a retryable DatabaseError and no password', async () => {
    const error = await connectDb({ url: `postgres://user:${fixturePassword}@127.0.0.1:9/chat`, attempts: 2, connectTimeout: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).not.toContain(fixturePassword);
  });
});

describe('credentials in the URL', () => {
  test('?password= is the password (as in libpq), never sent to the server as a setting', async () => {
    const fake = await startFakePostgres('auth');
    try {
      await connectDb({ url: `postgres://app@127.0.0.1:${fake.port}/chat?password=${fixtureSecrets.param}`, attempts: 1 }).catch(() => {});
      expect(fake.connections[0]!.parameters).toMatchObject({ user: 'app', database: 'chat' });
      expect(fake.connections[0]!.parameters).not.toHaveProperty('password');
      expect(fake.connections[0]!.password).toBe(fixtureSecrets.param);
    } finally {
      await fake.close();
    }
  });

  test('a connection error, its message, stack and causes, hold no credential', async () => {
    const url = `postgres://user:${fixturePassword}@127.0.0.1:9/chat?sslpassword=${fixtureSecrets.ssl}`;
    const error = await connectDb({ url, attempts: 1, connectTimeout: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(inspect(error, { depth: null, showHidden: true })).not.toMatch(new RegExp(`${fixturePassword}|${fixtureSecrets.ssl}`));
  });
});

describe('createEmbeddedDb', () => {
  test('the helpers run unchanged on PGlite', { timeout: 60_000 }, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rcdb-pglite-')), 'db');
    const client = await openEmbedded(dir);
    await migrate(client, { scope: 'all' });
    await client.close();

    const db = await createEmbeddedDb(dir);
    try {
      const user = await createUser(db, { email: 'embedded@example.test' });
      const session = await createSession(db, { userId: user.id });
      await addMessage(db, { sessionId: session.id, userId: user.id, role: 'assistant', content: 'hi', citations: [{ documentId: 'd', citationIndex: 1 }] });
      const conversation = await getConversationWithCitations(db, { sessionId: session.id, userId: user.id });
      expect(conversation.messages[0]!.citations[0]!.documentId).toBe('d');
      expect(conversation.messages[0]!.createdAt).toBeInstanceOf(Date);
    } finally {
      await closeDb(db);
    }
  });
});

test('connectForMigrations refuses a pooled URL before connecting', async () => {
  await expect(connectForMigrations(`postgres://user:${fixturePassword}@ep-x-pooler.example.com/db?sslmode=require`)).rejects.toThrow('Use the direct URL');
});
