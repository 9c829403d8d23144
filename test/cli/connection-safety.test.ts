/**
 * The CLI's connections: no credential in any output, a bounded first
 * connection, typed errors for bad URLs, and `verify` telling databases
 * apart by what the server says it is, not by the URL's text.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { cli, type CliRun } from '../support/cli.ts';
import { createDatabase, databaseName, dropDatabase } from '../support/databases.ts';
import { startFakePostgres } from '../support/fake-postgres.ts';
import { fixturePassword, fixtureSecrets } from '../support/secrets.ts';

const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

async function emptyDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'clisafe');
  created.push(name);
  return createDatabase(adminUrl, name);
}

const secrets = [fixturePassword, fixtureSecrets.param, fixtureSecrets.ssl];
const withSecrets = (url: string) => {
  const parsed = new URL(url);
  parsed.searchParams.set('password', fixtureSecrets.param);
  parsed.searchParams.set('sslpassword', fixtureSecrets.ssl);
  return parsed.toString();
};
const expectNoSecret = (run: CliRun) => {
  for (const secret of secrets) expect(`${run.stdout}\n${run.stderr}`).not.toContain(secret);
};

describe('credentials are never printed', () => {
  test('?password= and ?sslpassword= are honoured or dropped, and redacted in status and status --json', async () => {
    const url = withSecrets(await emptyDatabase());
    const status = await cli(['status'], { env: { DATABASE_URL: url } });
    expectNoSecret(status);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('password=***');
    const json = await cli(['status', '--json'], { env: { DATABASE_URL: url } });
    expectNoSecret(json);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(scopes.all.length);
  });

  test.each([[[] as string[], {}], [['--verbose'], {}], [[], { DEBUG: 'rag-chat-db' }]])(
    'an unreachable server, args %j env %j: exit 4, no credential in the message, stack or causes',
    async (args, env) => {
      const url = withSecrets('postgres://user@127.0.0.1:9/chat');
      const result = await cli(['status', ...args], { env: { DATABASE_URL: url, RAG_CHAT_DB_CONNECT_TIMEOUT: '2', ...env } });
      expect(result.code).toBe(exitCodes.unreachable);
      expectNoSecret(result);
      expect(result.stderr).toContain('cannot connect to postgres://user@127.0.0.1:9/chat?password=***&sslpassword=***');
    },
  );

  test('a URL with an invalid %-escape: exit 3, a ConnectionConfigError, no password', async () => {
    const result = await cli(['status'], { env: { DATABASE_URL: `postgres://u:${fixturePassword}@%zz/db` } });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toMatch(/^rag-chat-db: The database URL's host has an invalid %-escape/);
    expectNoSecret(result);
  });
});

test('a server that accepts and drops every connection: exit 4 within the connect timeout, a handful of connections', async () => {
  const dropping = await startFakePostgres('drop');
  try {
    const url = `postgres://app@127.0.0.1:${dropping.port}/chat`;
    const result = await cli(['status'], { env: { DATABASE_URL: url, RAG_CHAT_DB_CONNECT_TIMEOUT: '2' } });
    expect(result.code).toBe(exitCodes.unreachable);
    expect(result.stderr).toMatch(/no ready connection within 2 s; \d connections tried/);
    expect(dropping.connections.length).toBeLessThanOrEqual(6);
  } finally {
    await dropping.close();
  }
});

describe('an empty DATABASE_URL is an error, never the embedded database', () => {
  test.each([
    ['DATABASE_URL set but empty', ['init'], { DATABASE_URL: '' }, 'DATABASE_URL is set but empty'],
    ['VERIFY_DATABASE_URL set but empty', ['verify'], { VERIFY_DATABASE_URL: '' }, 'VERIFY_DATABASE_URL is set but empty'],
    ['DATABASE_URL blank', ['status'], { DATABASE_URL: '  ' }, 'DATABASE_URL is set but empty'],
  ])('%s: exit 3', async (_label, args, env, message) => {
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-empty-url-'));
    const result = await cli(args, { env, cwd });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(cwd, '.rag-chat-db'))).toBe(false);
  });

  test('DATABASE_URL= in ./.env: exit 3', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-empty-url-'));
    writeFileSync(join(cwd, '.env'), 'DATABASE_URL=\n');
    const result = await cli(['init'], { cwd });
    expect(result.code).toBe(exitCodes.refused);
    expect(existsSync(join(cwd, '.rag-chat-db'))).toBe(false);
  });
});

describe('verify compares the servers, not the URLs', () => {
  test('localhost and 127.0.0.1 are the same database: refused unless --yes-i-mean-it', async () => {
    const url = await emptyDatabase();
    const alias = new URL(url);
    alias.hostname = 'localhost';
    const refused = await cli(['verify', '--scope', 'auth'], { env: { VERIFY_DATABASE_URL: alias.toString(), DATABASE_URL: url } });
    expect(refused.code).toBe(exitCodes.refused);
    expect(refused.stderr).toContain('is the DATABASE_URL database');
    const forced = await cli(['verify', '--scope', 'auth', '--yes-i-mean-it'], { env: { VERIFY_DATABASE_URL: alias.toString(), DATABASE_URL: url } });
    expect(forced.code).toBe(0);
  });

  test('another database on the same server is not the DATABASE_URL database', async () => {
    const [scratch, production] = [await emptyDatabase(), await emptyDatabase()];
    const result = await cli(['verify', '--scope', 'auth'], { env: { VERIFY_DATABASE_URL: scratch, DATABASE_URL: production } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('every step matched');
  });

  test('DATABASE_URL cannot be reached: refused (it cannot be told apart), unless --yes-i-mean-it', async () => {
    const scratch = await emptyDatabase();
    const env = { VERIFY_DATABASE_URL: scratch, DATABASE_URL: `postgres://u:${fixturePassword}@127.0.0.1:9/prod`, RAG_CHAT_DB_CONNECT_TIMEOUT: '2' };
    const refused = await cli(['verify', '--scope', 'auth'], { env });
    expect(refused.code).toBe(exitCodes.refused);
    expect(refused.stderr).toContain("cannot reach DATABASE_URL's database to make sure VERIFY_DATABASE_URL is another database");
    expectNoSecret(refused);
    const forced = await cli(['verify', '--scope', 'auth', '--yes-i-mean-it'], { env });
    expect(forced.code).toBe(0);
  });
});
