/**
 * The raw SQL workflow (issue 12): `script` for psql, `init --dry-run`,
 * `init --to / --steps`, and `adopt` for a database built without the CLI.
 * psql is the real one (PostgreSQL's client, installed with the server).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { readMigrations } from '../../src/migrate/files.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { cli } from '../support/cli.ts';
import { consumerProject } from '../support/consumer-project.ts';
import { catalogOf, connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';

const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

async function emptyDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'rawsql');
  created.push(name);
  return createDatabase(adminUrl, name);
}

const psql = (url: string, file: string) => execFileSync('psql', [url, '-X', '-q', '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function journalCounts(url: string): Promise<Record<string, number>> {
  const sql = connect(url, 1);
  try {
    const counts: Record<string, number> = {};
    for (const module of scopes.all) {
      const [row] = await sql.unsafe(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations_${module}`);
      counts[module] = row!.n as number;
    }
    return counts;
  } finally {
    await sql.end();
  }
}

const allFiles = scopes.all.reduce((total, module) => total + readMigrations(module).length, 0);

describe('script: the migrations for psql -f', () => {
  test('psql -f builds what init builds, the CLI recognises it, and a second run applies nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-chat-db-script-'));
    const written = await cli(['script', '--scope', 'all', '--out', 'install.sql'], { cwd: dir });
    expect(written).toMatchObject({ code: exitCodes.ok });
    const script = readFileSync(join(dir, 'install.sql'), 'utf8');
    expect(script).toContain('\\set ON_ERROR_STOP on');
    expect(script).toContain('-- chat/0000_init');

    const [byPsql, byInit] = [await emptyDatabase(), await emptyDatabase()];
    psql(byPsql, join(dir, 'install.sql'));
    expect(await cli(['init', '--scope', 'all'], { env: { DATABASE_URL: byInit } })).toMatchObject({ code: exitCodes.ok });
    expect(await catalogOf(byPsql)).toEqual(await catalogOf(byInit));
    expect(await journalCounts(byPsql)).toEqual(await journalCounts(byInit));

    const status = await cli(['status', '--json'], { env: { DATABASE_URL: byPsql } });
    expect(status.code).toBe(exitCodes.ok);
    const states = JSON.parse(status.stdout) as { module: string; pending: string[]; problems: string[] }[];
    for (const module of scopes.all) expect(states.find((state) => state.module === module)).toMatchObject({ pending: [], problems: [] });
    expect(await cli(['init', '--scope', 'all'], { env: { DATABASE_URL: byPsql } })).toMatchObject({ stdout: expect.stringContaining('up to date') });

    psql(byPsql, join(dir, 'install.sql')); // again: every file is skipped
    expect(await journalCounts(byPsql)).toEqual(await journalCounts(byInit));
  });
});

describe('init --dry-run, --to, --steps', () => {
  test('--dry-run prints the pending files as a script and changes nothing; the script applies them', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    expect(await cli(['init', '--scope', 'chat', '--to', 'chat/0000_init'], { env })).toMatchObject({ code: exitCodes.ok });
    const before = await catalogOf(url);

    const dry = await cli(['init', '--scope', 'chat', '--dry-run'], { env });
    expect(dry.code).toBe(exitCodes.ok);
    expect(dry.stdout).not.toContain('-- chat/0000_init');
    expect(dry.stdout).toContain('-- chat/0001_');
    expect(await catalogOf(url)).toEqual(before);

    const dir = mkdtempSync(join(tmpdir(), 'rag-chat-db-dry-'));
    const file = join(dir, 'pending.sql');
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', file], { input: dry.stdout });
    psql(url, file);
    const status = await cli(['status', '--json'], { env });
    const chat = (JSON.parse(status.stdout) as { module: string; applied: string[]; pending: string[] }[]).find((state) => state.module === 'chat')!;
    expect(chat.pending).toEqual([]);
    expect(chat.applied).toEqual(readMigrations('chat').map((file) => file.tag));
  });

  test('--to applies up to and including the file; --steps N applies N; an applied or unknown --to is refused', async () => {
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    const [first, second] = readMigrations('chat');
    const to = await cli(['init', '--scope', 'chat', '--to', `chat/${first!.tag}`], { env });
    expect(to.stdout).toContain('applied 1 migration');
    expect(await cli(['init', '--scope', 'chat', '--to', `chat/${first!.tag}`], { env })).toMatchObject({
      code: exitCodes.refused,
      stderr: expect.stringContaining('already applied'),
    });
    expect(await cli(['init', '--scope', 'chat', '--to', 'chat/9999_nothing'], { env })).toMatchObject({ code: exitCodes.refused });
    const steps = await cli(['init', '--scope', 'chat', '--steps', '1'], { env });
    expect(steps.stdout).toMatch(new RegExp(`applied\\s+chat/${second!.tag}`));
    expect(steps.stdout).toContain('applied 1 migration');
  });
});

describe('adopt: a database built without rag-chat-db', () => {
  /** What a DBA does with the shipped files: psql -f of each up file, in journal order, no journal rows. */
  function buildByHand(url: string) {
    for (const module of scopes.all) for (const file of readMigrations(module)) psql(url, file.up.path);
  }

  test('matching schema: the migrations are recorded as applied, and init then applies nothing', async () => {
    const url = await emptyDatabase();
    buildByHand(url);
    expect(await cli(['init', '--scope', 'all'], { env: { DATABASE_URL: url } })).toMatchObject({ code: exitCodes.failed }); // "already exists"

    const adopted = await cli(['adopt', '--scope', 'all'], { env: { DATABASE_URL: url } });
    expect(adopted).toMatchObject({ code: exitCodes.ok, stdout: expect.stringContaining(`recorded ${allFiles} migrations as applied`) });
    expect(await cli(['init', '--scope', 'all'], { env: { DATABASE_URL: url } })).toMatchObject({ code: exitCodes.ok, stdout: expect.stringContaining('up to date') });
    expect(await cli(['baseline', '--scope', 'all'], { env: { DATABASE_URL: url } })).toMatchObject({ code: exitCodes.refused }); // the alias; adopted already
    const sql = connect(adminUrl, 1);
    try {
      expect(await sql`SELECT datname FROM pg_database WHERE datname LIKE 'rag_chat_db_adopt_%'`).toEqual([]); // the scratch database is gone
    } finally {
      await sql.end();
    }
  });

  test('a difference (an index missing, a column added to our table) is listed and nothing is recorded; the application’s own tables are fine', async () => {
    const url = await emptyDatabase();
    buildByHand(url);
    const sql = connect(url, 1);
    try {
      await sql`CREATE TABLE app_things (id int PRIMARY KEY)`;
      await sql`DROP INDEX messages_session_id_seq_idx`.catch(async () => {
        const [index] = await sql`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'messages'::regclass AND NOT indisprimary LIMIT 1`;
        await sql.unsafe(`DROP INDEX ${index!.name}`);
      });
      await sql`ALTER TABLE messages ADD COLUMN mood text`;
    } finally {
      await sql.end();
    }
    const adopted = await cli(['adopt', '--scope', 'all'], { env: { DATABASE_URL: url } });
    expect(adopted.code).toBe(exitCodes.failed);
    expect(adopted.stdout).toMatch(/- index: CREATE INDEX \S+ ON public\.messages/);
    expect(adopted.stdout).toContain('+ column: messages.mood text');
    expect(adopted.stdout).not.toContain('app_things');
    expect(await journalCounts(url).catch(() => 'no journal')).toEqual('no journal');
  });

  test("after init installed ours, an application module built with psql -f is adopted alone", { timeout: 120_000 }, async () => {
    const project = consumerProject();
    const cwd = project.dir;
    expect((await cli(['new', 'add user timezone preference', '--module', 'app'], { cwd })).code).toBe(0);
    const tag = '0000_add_user_timezone_preference';
    const down = join(cwd, 'drizzle/app', `${tag}.down.sql`);
    execFileSync('sed', ['-i', '1d', down]); // reviewed
    const url = await emptyDatabase();
    const env = { DATABASE_URL: url };
    const ours = await cli(['init'], { cwd: mkdtempSync(join(tmpdir(), 'rcdb-ours-')), env }); // ours only: no config there
    expect(ours.code).toBe(exitCodes.ok);
    psql(url, join(cwd, 'drizzle/app', `${tag}.sql`)); // the DBA applies the application's file by hand

    const adopted = await cli(['adopt', '--module', 'app'], { cwd, env });
    expect(adopted).toMatchObject({ code: exitCodes.ok, stdout: expect.stringContaining('recorded 1 migration as applied') });
    expect(await cli(['init'], { cwd, env })).toMatchObject({ code: exitCodes.ok, stdout: expect.stringContaining('up to date') });
    expect(await cli(['adopt', '--module', 'nope'], { cwd, env })).toMatchObject({ code: exitCodes.refused, stderr: expect.stringContaining('"nope" is not a module here') });
  });
});
