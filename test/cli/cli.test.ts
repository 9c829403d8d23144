/** The `rag-chat-db` command against real databases: scopes, status, rollback, connections, exit codes. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { cli } from '../support/cli.ts';
import { fixturePassword } from '../support/secrets.ts';
import { connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

async function emptyDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'cli');
  created.push(name);
  return createDatabase(adminUrl, name);
}

describe('init', () => {
  test('--scope chat, then --scope all on a database with data: reports orphaned user ids, then links once they exist', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    const chat = await cli(['init', '--scope', 'chat'], { env });
    expect(chat).toMatchObject({ code: 0 });
    expect(chat.stdout).toMatch(/applied\s+chat\/0000_init/);

    const sql = connect(url, 1);
    const orphan = randomUUID();
    await sql`INSERT INTO chat_sessions (user_id) VALUES (${orphan})`;

    const all = await cli(['init', '--scope', 'all'], { env });
    expect(all.code).toBe(exitCodes.failed);
    expect(all.stderr).toContain(`link/0000_users_foreign_keys.sql, statement 1 of 3 failed: cannot link chat to auth: 1 user id(s)`);
    expect(all.stderr).toContain(orphan);
    expect(all.stdout).toContain('auth/0000_init'); // auth went in; only the link waits

    await sql`INSERT INTO users (id, email) VALUES (${orphan}, 'found@example.test')`;
    await sql.end();
    const again = await cli(['init', '--scope', 'all'], { env });
    expect(again.code).toBe(0);
    const link = readMigrations('link').length;
    expect(again.stdout).toContain(`applied ${link} migration${link === 1 ? '' : 's'}`);
    expect((await cli(['init'], { env })).stdout).toContain('up to date: nothing to apply');
  });

  test('says how to link auth and chat when both are installed without the link module', async () => {
    const url = await emptyDatabase();
    await cli(['init', '--scope', 'auth'], { env: { DATABASE_URL: url } });
    const chat = await cli(['migrate', '--scope', 'chat'], { env: { DATABASE_URL: url } });
    expect(chat.stdout).toContain('init --scope all` adds the foreign keys');
  });

  test('reads DATABASE_URL from ./.env', async () => {
    const url = await emptyDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-dotenv-'));
    writeFileSync(join(cwd, '.env'), `# local settings\nDATABASE_URL=${url}\n`);
    const result = await cli(['init', '--scope', 'auth'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(url);
  });

  test('as on Node 20.11, which has no util.parseEnv (package.json engines): reads ./.env', async () => {
    const url = await emptyDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-node2011-'));
    writeFileSync(join(cwd, '.env'), `DATABASE_URL=${url}\n`);
    const withoutParseEnv =
      'data:text/javascript,import util from "node:util"; import { syncBuiltinESMExports } from "node:module"; ' +
      'delete util.parseEnv; delete process.loadEnvFile; syncBuiltinESMExports();';
    const { stdout } = await run(process.execPath, ['--import', withoutParseEnv, join(packageRoot, 'dist', 'bin.js'), 'init', '--scope', 'auth'], {
      cwd,
      env: { PATH: process.env.PATH },
    });
    expect(stdout).toContain(url);
    expect(stdout).toMatch(/applied \d+ migration/);
  });

  test('.env.local overrides .env, and the environment overrides both', async () => {
    const url = await emptyDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-dotenv-local-'));
    writeFileSync(join(cwd, '.env'), 'DATABASE_URL=postgres://nobody@127.0.0.1:9/missing\n');
    writeFileSync(join(cwd, '.env.local'), `DATABASE_URL="${url}"\n`);
    const result = await cli(['init', '--scope', 'auth'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(url);
    const real = await cli(['status'], { cwd, env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/real', RAG_CHAT_DB_CONNECT_TIMEOUT: '2' } });
    expect(real.code).toBe(exitCodes.unreachable);
    expect(real.stderr).toContain('127.0.0.1:9/real');
  });

  test("DATABASE_URL_UNPOOLED (Neon's Vercel integration) is preferred to a pooled DATABASE_URL", async () => {
    const url = await emptyDatabase();
    const pooled = `postgres://user:${fixturePassword}@ep-cool-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require`;
    const result = await cli(['init', '--scope', 'auth'], { env: { DATABASE_URL: pooled, DATABASE_URL_UNPOOLED: url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(url);
    const empty = await cli(['status'], { env: { DATABASE_URL: url, DATABASE_URL_UNPOOLED: '' } });
    expect(empty.code).toBe(exitCodes.refused);
    expect(empty.stderr).toContain('DATABASE_URL_UNPOOLED is set but empty');
  });

  test('a DATABASE_URL set in the environment wins over a DATABASE_URL_UNPOOLED from .env.local (what `vercel env pull` writes)', async () => {
    const url = await emptyDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-envlocal-'));
    writeFileSync(join(cwd, '.env.local'), `DATABASE_URL_UNPOOLED=postgres://dev:${fixturePassword}@127.0.0.1:9/devdb\n`);
    const result = await cli(['init', '--scope', 'auth'], { cwd, env: { DATABASE_URL: url } });
    expect(result.stderr).not.toContain('devdb');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(url) });
    // From the files alone, the unpooled URL is still the one migrated with.
    const fromFiles = await cli(['status'], { cwd });
    expect(fromFiles).toMatchObject({ code: exitCodes.unreachable, stderr: expect.stringContaining('127.0.0.1:9/devdb') });
  });

  test('without DATABASE_URL: the embedded PGlite database in ./.rag-chat-db, announced on stderr', { timeout: 60_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rcdb-embedded-'));
    const first = await cli(['init'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(`rag-chat-db: DATABASE_URL is not set; using the embedded PGlite database in ${join(cwd, '.rag-chat-db')}`);
    expect(first.stdout).toContain(`applied ${scopes.all.flatMap((name) => readMigrations(name)).length} migrations`);
    const state = await cli(['status', '--json'], { cwd });
    expect(JSON.parse(state.stdout).map((module: { applied: string[] }) => module.applied.length)).toEqual(
      (['auth', 'chat', 'link'] as const).map((name) => readMigrations(name).length),
    );
  });
});

describe('status and rollback', () => {
  test('status lists applied and pending per module; rollback of a module others need is refused with the command to run', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    await cli(['init', '--scope', 'all'], { env });

    const refused = await cli(['rollback', '--module', 'chat', '--all'], { env });
    expect(refused.code).toBe(exitCodes.refused);
    expect(refused.stderr).toContain('rag-chat-db rollback --module link --all');

    const link = await cli(['rollback', '--module', 'link', '--all'], { env });
    expect(link.code).toBe(0);
    expect(link.stdout).toContain('rolled back link/0000_users_foreign_keys');

    const state = await cli(['status'], { env });
    expect(state.code).toBe(0);
    const [auth, links] = [readMigrations('auth').length, readMigrations('link').length];
    expect(state.stdout).toMatch(new RegExp(`auth\\s+${auth}/${auth}\\s+0`));
    expect(state.stdout).toMatch(new RegExp(`link\\s+0/${links}\\s+${links}`));
    expect(state.stdout).toContain('pending: link/0000_users_foreign_keys');
  });

  test('status lists the modules of the installed scope only; --all lists every module', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    const modulesOf = async (args: string[]) =>
      JSON.parse((await cli(['status', '--json', ...args], { env })).stdout).map((module: { module: string }) => module.module);
    expect(await modulesOf([])).toEqual([...scopes.all]); // nothing installed: what init would install
    await cli(['init', '--scope', 'chat'], { env });
    expect(await modulesOf([])).toEqual(['chat']);
    expect((await cli(['status'], { env })).stdout).not.toContain('pending: auth/');
    expect(await modulesOf(['--all'])).toEqual(['auth', 'chat', 'link', 'rls']);
    await cli(['init', '--scope', 'rls'], { env });
    expect(await modulesOf([])).toEqual(['chat', 'rls']);
    await cli(['init', '--scope', 'auth'], { env });
    expect(await modulesOf([])).toEqual(['auth', 'chat', 'link', 'rls']); // link pending: auth and chat are not linked yet
  });

  test('rollback --to keeps the tag applied; an unknown tag is refused', async () => {
    const url = await emptyDatabase();
    await cli(['init', '--scope', 'chat'], { env: { DATABASE_URL: url } });
    const tags = readMigrations('chat').map((migration) => migration.tag);
    const none = await cli(['rollback', '--module', 'chat', '--to', tags.at(-1)!], { env: { DATABASE_URL: url } });
    expect(none.stdout).toContain('nothing to roll back');
    const unknown = await cli(['rollback', '--module', 'chat', '--to', '0099_nope'], { env: { DATABASE_URL: url } });
    expect(unknown.code).toBe(exitCodes.refused);
    expect(unknown.stderr).toContain(`chat/0099_nope is not an applied migration; applied: ${[...tags].reverse().join(', ')}`);
  });
});

describe('connections', () => {
  test('a remote host without TLS is refused before connecting, without printing the password', async () => {
    const result = await cli(['status'], { env: { DATABASE_URL: `postgres://user:${fixturePassword}@db.example.com:5432/chat` } });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toBe(
      'rag-chat-db: Refusing to connect to db.example.com without TLS: add sslmode=require (or verify-full) to the database URL.',
    );
  });

  test('a pooled (PgBouncer transaction mode) URL is refused for migrations, naming the direct URL', async () => {
    const result = await cli(['init'], { env: { DATABASE_URL: `postgres://user:${fixturePassword}@ep-cool-1-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require` } });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toContain('Use the direct URL (on Neon: the host without "-pooler")');
    expect(result.stderr).not.toContain(fixturePassword);
  });

  test('an unreachable server: one line, exit 4, no password, no stack', async () => {
    const result = await cli(['status'], { env: { DATABASE_URL: `postgres://user:${fixturePassword}@127.0.0.1:9/chat`, RAG_CHAT_DB_CONNECT_TIMEOUT: '3' } });
    expect(result.code).toBe(exitCodes.unreachable);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('cannot connect to postgres://user:***@127.0.0.1:9/chat');
    expect(result.stderr).not.toContain(fixturePassword);
  });
});

describe('verify', () => {
  test('on a scratch database: applies, rolls back and re-applies every migration with the schema matching at each step', async () => {
    const url = await emptyDatabase();
    const result = await cli(['verify'], { env: { VERIFY_DATABASE_URL: url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok   roll back chat/0000_init');
    expect(result.stdout).toContain(`verified ${scopes.all.flatMap((name) => readMigrations(name)).length} migrations: every step matched`);
  });

  test('refuses the DATABASE_URL database unless --yes-i-mean-it', async () => {
    const url = await emptyDatabase();
    const refused = await cli(['verify'], { env: { VERIFY_DATABASE_URL: url, DATABASE_URL: url } });
    expect(refused.code).toBe(exitCodes.refused);
    const forced = await cli(['verify', '--yes-i-mean-it', '--scope', 'auth'], { env: { VERIFY_DATABASE_URL: url, DATABASE_URL: url } });
    expect(forced.code).toBe(0);
  });
});

describe('usage', () => {
  test.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['init', '--scope', 'everything'], '--scope must be one of all, chat, auth, rls'],
    [['rollback'], '--module must be one of auth, chat, link, rls'],
    [['rollback', '--module', 'chat', '--steps', '0'], '--steps takes a whole number of at least 1'],
    [['rollback', '--module', 'chat', '--all', '--steps', '2'], 'give one of --steps, --to and --all'],
    [['init', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toContain(message);
  });

  test.each(['init', 'rollback', 'status', 'verify', 'new', 'lint', 'resolve', 'modules'])('%s --help', async (command) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: rag-chat-db ${command}`));
  });
});
