/**
 * The application workflow in a scratch consumer project, through the CLI:
 * declare a module in rag-chat-db.config, `new` "add user timezone
 * preference" (ALTER TABLE on our users), lint, verify, init (ours, then
 * the application's), status, rollback, tamper, a failed no-transaction file
 * resolved with the command the CLI printed, and refusals that write nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { cli } from '../support/cli.ts';
import { consumerProject } from '../support/consumer-project.ts';
import { connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';

const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

async function emptyDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'appcli');
  created.push(name);
  return createDatabase(adminUrl, name);
}

async function columnsOf(url: string, table: string): Promise<string[]> {
  const sql = connect(url, 1);
  try {
    const rows = await sql<{ column_name: string }[]>`
      SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table} ORDER BY column_name`;
    return rows.map((row) => row.column_name);
  } finally {
    await sql.end();
  }
}

const tag = '0000_add_user_timezone_preference';
const reviewed = (path: string) => writeFileSync(path, readFileSync(path, 'utf8').split('\n').slice(2).join('\n'));

describe('an application module, through the CLI', () => {
  test('new, lint, verify, init (ours then the application\'s), status, rollback, re-apply, tamper', { timeout: 120_000 }, async () => {
    const project = consumerProject();
    const cwd = project.dir;
    const before = project.files();

    const created = await cli(['new', 'add user timezone preference', '--module', 'app'], { cwd });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created drizzle/app/${tag}.sql`);
    // Only the module's folder was written.
    expect(project.files()).toEqual(
      [...before, `drizzle/app/${tag}.down.sql`, `drizzle/app/${tag}.sql`, 'drizzle/app/meta/0000_snapshot.json', 'drizzle/app/meta/_journal.json'].sort(),
    );
    const upPath = join(cwd, 'drizzle/app', `${tag}.sql`);
    const downPath = join(cwd, 'drizzle/app', `${tag}.down.sql`);
    const up = readFileSync(upPath, 'utf8');
    expect(up).toContain('ALTER TABLE "users" ADD COLUMN "timezone" text;');
    expect(up).toContain('CREATE TABLE "bookmarks"');
    expect(up).toContain('REFERENCES "public"."users"("id") ON DELETE cascade');
    expect(up).not.toContain('CREATE TABLE "users"'); // our table is ours: only the column is the application's
    const down = readFileSync(downPath, 'utf8');
    expect(down.split('\n')[0]).toBe('-- rag-chat-db: draft');
    expect(down).toContain('ALTER TABLE "users" DROP COLUMN "timezone";');
    expect(down).toContain('DROP TABLE "bookmarks" CASCADE;');

    // lint reads the application's folder (no ENOENT on ours) and flags the draft.
    const lint = await cli(['lint'], { cwd });
    expect(lint.stdout).toContain(`drizzle/app/${tag}.down.sql:1: rag-chat-db/draft`);
    expect(lint.code).toBe(exitCodes.failed);

    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };

    // init refuses a migration whose down file is still a draft, before applying anything (exit 6)...
    const unreviewed = await cli(['init'], { cwd, env });
    expect(unreviewed.code).toBe(exitCodes.noWayBack);
    expect(unreviewed.stderr).toContain('is still a draft');
    expect(await columnsOf(url, 'users')).toEqual([]);
    reviewed(downPath);
    expect((await cli(['lint'], { cwd })).code).toBe(exitCodes.ok); // dropping what the up file added is correct work

    // ...then applies ours, then the application's, in one run; status lists it.
    const init = await cli(['init'], { cwd, env });
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('scope all (auth, chat, link, then app)');
    const applied = [...init.stdout.matchAll(/applied\s+(\w+)\/\w+/g)].map((match) => match[1]);
    expect(applied.at(-1)).toBe('app');
    expect(applied.indexOf('app')).toBe(applied.length - 1);
    expect(await columnsOf(url, 'users')).toContain('timezone');
    expect(await columnsOf(url, 'bookmarks')).toEqual(['id', 'url', 'user_id']);
    const sql = connect(url, 1);
    const [row] = await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations_app_app`;
    await sql.end();
    expect(row!.n).toBe(1);

    const state = await cli(['status'], { cwd, env });
    expect(state.code).toBe(0);
    expect(state.stdout).toMatch(/\napp\s+1\/1\s+0\s+0\s+0/);

    // Our auth cannot go while the application module that needs it is installed.
    const auth = await cli(['rollback', '--module', 'auth', '--all'], { cwd, env });
    expect(auth.code).toBe(exitCodes.refused);
    expect(auth.stderr).toContain('app depends on auth and is installed; roll it back first (rag-chat-db rollback --module app --all)');

    const rolledBack = await cli(['rollback', '--module', 'app'], { cwd, env });
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toContain(`rolled back app/${tag}`);
    expect(await columnsOf(url, 'users')).not.toContain('timezone');
    expect(await columnsOf(url, 'bookmarks')).toEqual([]);
    expect((await cli(['status'], { cwd, env })).stdout).toContain(`pending: app/${tag}`);

    const again = await cli(['init'], { cwd, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('applied 1 migration');
    expect(await columnsOf(url, 'users')).toContain('timezone');

    // verify on a scratch database: ours and the application's, back and forth.
    const verify = await cli(['verify'], { cwd, env: { VERIFY_DATABASE_URL: await emptyDatabase() } });
    expect(verify.stdout).toContain(`ok   roll back app/${tag}`);
    expect(verify.code).toBe(0);

    // An applied file changed: everything is refused, naming it.
    writeFileSync(upPath, up.replace('"timezone" text', '"timezone" varchar(64)'));
    const tampered = await cli(['init'], { cwd, env });
    expect(tampered.code).toBe(exitCodes.refused);
    expect(tampered.stderr).toContain(`app/${tag}.sql changed after it was applied`);
    expect((await cli(['status'], { cwd, env })).code).toBe(exitCodes.refused);
  });

  test('a failed no-transaction file of an application module: the resolve command printed is one the CLI accepts', { timeout: 120_000 }, async () => {
    const project = consumerProject();
    const cwd = project.dir;
    expect((await cli(['new', 'add user timezone preference', '--module', 'app'], { cwd })).code).toBe(0);
    const custom = await cli(['new', 'index users by timezone', '--module', 'app', '--custom'], { cwd });
    expect(custom.code).toBe(0);
    const indexTag = '0001_index_users_by_timezone';
    reviewed(join(cwd, 'drizzle/app', `${tag}.down.sql`));
    writeFileSync(join(cwd, 'drizzle/app', `${indexTag}.down.sql`), '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_timezone_idx;\n');
    // Fails at statement 2: the column is misspelt.
    writeFileSync(
      join(cwd, 'drizzle/app', `${indexTag}.sql`),
      '-- rag-chat-db: no-transaction\nSELECT 1;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_timezone_idx ON users (time_zone);\n',
    );
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };

    const failed = await cli(['init'], { cwd, env });
    expect(failed.code).toBe(exitCodes.failed);
    expect(failed.stderr).toContain(`app/${indexTag}.sql, statement 2 of 2 failed`);
    expect(failed.stderr).toContain(`run \`rag-chat-db resolve app/${indexTag} --retry\``); // at once, not only on the next run

    const state = await cli(['status'], { cwd, env });
    expect(state.code).toBe(exitCodes.refused);
    const command = /`rag-chat-db (resolve [^`]+ --retry)`/.exec(state.stdout)?.[1];
    expect(command).toBe(`resolve app/${indexTag} --retry`);

    writeFileSync(
      join(cwd, 'drizzle/app', `${indexTag}.sql`),
      '-- rag-chat-db: no-transaction\nSELECT 1;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_timezone_idx ON users (timezone);\n',
    );
    const resolved = await cli(command!.split(' '), { cwd, env });
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain(`app/${indexTag}: resumed at statement 2 of 2; applied`); // --retry resumes at the failed statement, at once
    const after = await cli(['init'], { cwd, env });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('up to date');
  });
});

describe('a no-transaction file of an application module blocked behind another transaction', () => {
  test('exit 5 with the resolve command to run; once the lock is gone, that command resumes it', { timeout: 120_000 }, async () => {
    const project = consumerProject();
    const cwd = project.dir;
    expect((await cli(['new', 'add user timezone preference', '--module', 'app'], { cwd })).code).toBe(0);
    reviewed(join(cwd, 'drizzle/app', `${tag}.down.sql`));
    expect((await cli(['new', 'index users by timezone', '--module', 'app', '--custom'], { cwd })).code).toBe(0);
    const indexTag = '0001_index_users_by_timezone';
    writeFileSync(join(cwd, 'drizzle/app', `${indexTag}.sql`), '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_timezone_idx ON users (timezone);\n');
    writeFileSync(join(cwd, 'drizzle/app', `${indexTag}.down.sql`), '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_timezone_idx;\n');
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    expect((await cli(['init', '--to', `app/${tag}`], { cwd, env })).code).toBe(0);

    const sql = connect(url, 2);
    const blocker = await sql.reserve();
    await blocker`BEGIN`;
    await blocker`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
    const blocked = await cli(['init', '--lock-timeout', '100', '--lock-retries', '1'], { cwd, env });
    await blocker`ROLLBACK`;
    blocker.release();
    await sql.end();
    expect(blocked.code).toBe(exitCodes.blocked);
    expect(blocked.stderr).toContain(`rag-chat-db resolve app/${indexTag} --retry`);

    const resumed = await cli(['resolve', `app/${indexTag}`, '--retry'], { cwd, env });
    expect(resumed).toMatchObject({ code: 0, stderr: '' });
    expect((await cli(['status'], { cwd, env })).code).toBe(0);
  });
});

test("new follows the casing of the project's drizzle.config (snake_case: a camelCase key becomes a snake_case column)", { timeout: 60_000 }, async () => {
  const project = consumerProject({
    schema: `import { pgTable, text } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { preferredTimezone: text() });\n`,
  });
  project.write('drizzle.config.ts', `export default { dialect: 'postgresql', schema: './src/db/schema.ts', casing: 'snake_case' };\n`);
  const created = await cli(['new', 'add preferred timezone', '--module', 'app'], { cwd: project.dir });
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const up = readFileSync(join(project.dir, 'drizzle/app/0000_add_preferred_timezone.sql'), 'utf8');
  expect(up).toContain('ALTER TABLE "users" ADD COLUMN "preferred_timezone" text;');
});

describe('refusals write nothing', () => {
  test('no schema change, one of our modules in a consumer project, an unknown module', { timeout: 60_000 }, async () => {
    const project = consumerProject();
    const cwd = project.dir;
    expect((await cli(['new', 'add user timezone preference', '--module', 'app'], { cwd })).code).toBe(0);
    const files = project.files();
    const journal = readFileSync(join(cwd, 'drizzle/app/meta/_journal.json'), 'utf8');

    const unchanged = await cli(['new', 'nothing changed', '--module', 'app'], { cwd });
    expect(unchanged.code).toBe(exitCodes.refused);
    expect(unchanged.stderr).toContain('drizzle-kit found no change in src/db/schema.ts for module app');

    const ours = await cli(['new', 'add thing', '--module', 'auth', '--custom'], { cwd });
    expect(ours.code).toBe(exitCodes.refused);
    expect(ours.stderr).toContain("auth is one of rag-chat-db's own modules");

    const unknown = await cli(['new', 'add thing', '--module', 'nope'], { cwd });
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toContain('--module must be one of auth, chat, link, rls, app');

    expect(project.files()).toEqual(files);
    expect(readFileSync(join(cwd, 'drizzle/app/meta/_journal.json'), 'utf8')).toBe(journal);
  });

  test('a config naming one of our modules is refused, naming the file', async () => {
    const project = consumerProject({
      config: { file: 'rag-chat-db.config.json', text: JSON.stringify({ modules: [{ name: 'chat', folder: 'x', schema: 'y.ts' }] }) },
    });
    const result = await cli(['modules'], { cwd: project.dir });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toContain('rag-chat-db.config.json: modules.0.name: auth, chat, link, rls are rag-chat-db\'s own modules');
  });

  test('modules and rollback --module list the application modules', async () => {
    const project = consumerProject();
    const listed = await cli(['modules'], { cwd: project.dir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/\napp\s+drizzle\/app\s+needs auth$/);
    const usage = await cli(['rollback'], { cwd: project.dir });
    expect(usage.code).toBe(exitCodes.usage);
    expect(usage.stderr).toContain('--module must be one of auth, chat, link, rls, app');
  });
});
