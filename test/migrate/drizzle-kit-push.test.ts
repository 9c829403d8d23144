/**
 * `drizzle-kit push` from an application's own config, beside our tables: the
 * real drizzle-kit, in a scratch project whose drizzle.config.ts and schema
 * file are docs/migrations.md's snippets, against a database where our modules are
 * installed and hold rows. With our `tablesFilter` it creates the
 * application's table and leaves every table of ours, its rows and the rest
 * of our catalog alone; without it, it drops ours (which is why the filter
 * exists, and what makes this test able to fail).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from 'drizzle-kit';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { catalogDifference } from '../../src/migrate/catalog.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { appMigrationsTable, incompleteTableName, migrationsSchema, modules, moduleNames, scopes, type ModuleName } from '../../src/migrate/modules.ts';
import { moduleTableNames, tablesFilter, tablesFilterFor } from '../../src/schema/index.ts';
import { catalogOf, connect, createDatabase, databaseName, dropDatabase, installModules } from '../support/databases.ts';

const run = promisify(execFile);
const ourTables = moduleNames.flatMap((name) => moduleTableNames[name]);
const appTable = 'message_translations';

/** docs/migrations.md's TypeScript block whose first line is `firstLine`. */
function readmeSnippet(firstLine: string): string {
  const readme = readFileSync(join(packageRoot, 'docs/migrations.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((code) => code.startsWith(`${firstLine}\n`));
  expect(blocks, `one docs/migrations.md block starting with ${firstLine}`).toHaveLength(1);
  return blocks[0]!;
}

const configSnippet = readmeSnippet('// drizzle.config.ts');
const schemaSnippet = readmeSnippet('// your-app/src/db/schema.ts');

/** A consumer project: the guide's config and schema, drizzle-kit, drizzle-orm and this package (built) installed as links. */
function consumerProject(config: string, type: 'module' | 'commonjs' = 'module'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rcdb-push-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type }));
  writeFileSync(join(dir, 'drizzle.config.ts'), config);
  const schemaPath = /schema: '([^']+)'/.exec(config)?.[1];
  if (!schemaPath) throw new Error("the guide's config names no schema file");
  mkdirSync(dirname(join(dir, schemaPath)), { recursive: true });
  writeFileSync(join(dir, schemaPath), schemaSnippet);
  mkdirSync(join(dir, 'node_modules'));
  for (const name of ['drizzle-kit', 'drizzle-orm']) symlinkSync(join(packageRoot, 'node_modules', name), join(dir, 'node_modules', name));
  symlinkSync(packageRoot, join(dir, 'node_modules', 'rag-chat-db'));
  return dir;
}

/** `drizzle-kit push --force --verbose` in `dir`: prints the statements, asks nothing. drizzle-kit exits 0 even when a statement fails. */
async function push(dir: string, url: string): Promise<string> {
  const bin = join(dir, 'node_modules', 'drizzle-kit', 'bin.cjs');
  const { stdout, stderr } = await run(process.execPath, [bin, 'push', '--force', '--verbose'], {
    cwd: dir,
    env: { ...process.env, DATABASE_URL: url, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 90_000,
  });
  return `${stdout}\n${stderr}`;
}

interface Installed {
  name: string;
  url: string;
}

const adminUrl = inject('adminUrl');
const created: Installed[] = [];
const projects: string[] = [];

/** A fresh database with the modules (every one, rls included, by default) and a user, a session and a message. */
async function installed(names: readonly ModuleName[] = moduleNames): Promise<Installed> {
  const name = databaseName(inject('ownerPid'), 'push');
  const url = await createDatabase(adminUrl, name);
  created.push({ name, url });
  await installModules(url, names);
  const sql = connect(url, 1);
  try {
    const [user] = await sql<{ id: string }[]>`INSERT INTO users (email) VALUES ('push@example.test') RETURNING id`;
    const [session] = await sql<{ id: string }[]>`INSERT INTO chat_sessions (user_id) VALUES (${user!.id}) RETURNING id`;
    await sql`INSERT INTO messages (session_id, role, content) VALUES (${session!.id}, 'user', 'kept')`;
  } finally {
    await sql.end();
  }
  return { name, url };
}

/** Rows per table of ours (null: the table is gone), and rows per migrations table. */
async function contents(url: string): Promise<Record<string, number | null>> {
  const sql = connect(url, 1);
  try {
    const counts: Record<string, number | null> = {};
    const tables = [...ourTables.map((table) => ['public', table] as const), ...moduleNames.map((name) => [migrationsSchema, modules[name].migrationsTable] as const)];
    for (const [schema, table] of tables) {
      const [exists] = await sql<{ present: boolean }[]>`SELECT to_regclass(${`"${schema}"."${table}"`}) IS NOT NULL AS present`;
      counts[`${schema}.${table}`] = exists!.present ? Number((await sql.unsafe(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`))[0]!.n) : null;
    }
    return counts;
  } finally {
    await sql.end();
  }
}

/** The sequences owned by our tables' columns (identity or serial): what drizzle-kit 0.31 proposes to drop regardless of tablesFilter. */
async function ownedSequences(url: string): Promise<string[]> {
  const sql = connect(url, 1);
  try {
    const rows = await sql<{ name: string }[]>`
      SELECT s.relname AS name FROM pg_class s
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
      JOIN pg_class t ON t.oid = d.refobjid
      WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace AND t.relname = ANY(${ourTables})`;
    return rows.map((row) => row.name).sort();
  } finally {
    await sql.end();
  }
}

beforeAll(() => {
  expect(configSnippet).toContain("import { tablesFilter } from 'rag-chat-db/schema';");
});

afterAll(async () => {
  for (const { name } of created) await dropDatabase(adminUrl, name);
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

// Both forms fit drizzle-kit's own config type (type-checked by npm run typecheck).
const configs = [
  { dialect: 'postgresql', schema: './src/db/schema.ts', tablesFilter },
  { dialect: 'postgresql', schema: './src/db/schema.ts', tablesFilter: tablesFilterFor('chat') },
] satisfies Config[];

describe('tablesFilter', () => {
  test('is one negated glob per table of ours and per bookkeeping table, read from the table definitions', () => {
    expect(ourTables.sort()).toEqual(['chat_sessions', 'deleted_messages', 'message_citations', 'message_feedback', 'messages', 'user_profiles', 'users']);
    expect([...tablesFilter].sort()).toEqual(
      [...ourTables, ...moduleNames.map((name) => modules[name].migrationsTable), incompleteTableName, appMigrationsTable('*')].map((table) => `!${table}`).sort(),
    );
    expect(tablesFilterFor('chat').sort()).toEqual([
      '!__drizzle_migrations_app_*',
      '!__drizzle_migrations_chat',
      '!chat_sessions',
      '!deleted_messages',
      '!message_citations',
      '!message_feedback',
      '!messages',
      '!rag_chat_db_incomplete',
    ]);
    expect(tablesFilterFor('auth')).not.toContain('!messages');
    expect(tablesFilterFor('all')).not.toBe(tablesFilterFor('all')); // drizzle-kit appends to the array it is given
    expect(configs[1]!.tablesFilter).toHaveLength(8);
  });
});

describe('drizzle-kit push from an application config (the docs/migrations.md snippet)', () => {
  // drizzle-kit loads the config with require() (through tsx), in an ESM project or a CommonJS one (Next.js's default).
  test.for(['module', 'commonjs'] as const)('with our tablesFilter (a "type": "%s" project): creates the application table, leaves ours, their rows and their catalog alone', { timeout: 180_000 }, async (type) => {
    const db = await installed();
    const dir = consumerProject(configSnippet, type);
    projects.push(dir);
    const [catalogBefore, rowsBefore, sequences] = await Promise.all([catalogOf(db.url), contents(db.url), ownedSequences(db.url)]);
    expect(sequences).toEqual(['messages_seq_seq']);

    const output = await push(dir, db.url);

    expect(output).toContain(`CREATE TABLE "${appTable}"`);
    expect(output).not.toMatch(/DROP TABLE/);
    // The one statement on anything of ours: drizzle-kit 0.31 does not filter sequences (drizzle-orm#3320), and PostgreSQL refuses it.
    const drops = output.match(/^\s*(DROP|TRUNCATE)\b.*$/gm) ?? [];
    for (const statement of drops) expect(statement.trim()).toMatch(/^DROP SEQUENCE "public"\."(\w+)";$/);
    for (const statement of drops) expect(sequences).toContain(/"public"\."(\w+)"/.exec(statement)![1]);
    const alters = output.match(/^\s*ALTER\b.*$/gm) ?? [];
    for (const statement of alters) expect(statement.trim().startsWith(`ALTER TABLE "${appTable}" `), statement).toBe(true);

    const rowsAfter = await contents(db.url);
    expect(rowsAfter).toEqual(rowsBefore);
    expect(Object.values(rowsAfter).every((count) => count !== null)).toBe(true);
    const difference = catalogDifference(catalogBefore, await catalogOf(db.url));
    expect(difference.length).toBeGreaterThan(0);
    expect(difference.filter((line) => !line.includes(appTable))).toEqual([]);
    expect(difference.every((line) => line.startsWith('+ '))).toBe(true);

    // The application table works, and references our messages table.
    const sql = connect(db.url, 1);
    try {
      const [message] = await sql<{ id: string }[]>`SELECT id FROM messages`;
      await sql`INSERT INTO message_translations (message_id, language, content) VALUES (${message!.id}, 'ur', 'ترجمہ')`;
      expect(await sql`SELECT 1 FROM message_translations`).toHaveLength(1);
    } finally {
      await sql.end();
    }
  });

  test('without it: drizzle-kit drops our tables (CASCADE)', { timeout: 180_000 }, async () => {
    // Without rls: a DROP POLICY that a previous CASCADE already took would stop drizzle-kit part way, in an order that varies.
    const db = await installed(scopes.all);
    const withoutFilter = configSnippet.replace(/^\s*tablesFilter,.*\n/m, '').replace("import { tablesFilter } from 'rag-chat-db/schema';\n", '');
    expect(withoutFilter).not.toContain('tablesFilter');
    const filtered = consumerProject(configSnippet);
    const unfiltered = consumerProject(withoutFilter);
    projects.push(filtered, unfiltered);
    // The application's table first (a push that both creates and drops tables asks, on a terminal, whether one
    // is a rename of another; drizzle-kit cannot ask without one), then the next push, without the filter.
    expect(await push(filtered, db.url)).toContain(`CREATE TABLE "${appTable}"`);
    const rowsBefore = await contents(db.url);
    for (const table of ourTables) expect(rowsBefore[`public.${table}`], table).not.toBeNull();

    const output = await push(unfiltered, db.url);

    for (const table of ourTables) expect(output).toMatch(new RegExp(`DROP TABLE ("public"\\.)?"${table}" CASCADE;`));
    const rowsAfter = await contents(db.url);
    for (const table of ourTables) expect(rowsAfter[`public.${table}`], table).toBeNull();
  });
});
