/**
 * Every migration, up and down, against real Postgres: each down file brings
 * the catalog back exactly, modules install on their own, and the link
 * module's constraints are the ones src/schema/link.ts declares.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { MigrationFailedError } from '../../src/migrate/errors.ts';
import { readMigrations } from '../../src/migrate/files.ts';
import { moduleNames } from '../../src/migrate/modules.ts';
import { linkForeignKeys } from '../../src/schema/link.ts';
import { dumpCatalog as dumpCatalogOf } from '../../src/migrate/catalog.ts';
import { useDatabase } from '../support/context.ts';
import { installModules, queryable, type Sql } from '../support/databases.ts';
import { insertFeedback, insertMessage, insertSession, insertUser } from '../support/factories.ts';

const allMigrations = moduleNames.flatMap((name) => readMigrations(name));
const dumpCatalog = (sql: Sql) => dumpCatalogOf(queryable(sql));

async function runInTransaction(sql: Sql, statements: readonly string[]) {
  await sql.begin(async (tx) => {
    for (const statement of statements) await tx.unsafe(statement);
  });
}

describe('migration files', () => {
  test.each(allMigrations.map((m) => [`${m.module}/${m.tag}`, m] as const))('%s has a down file', (_name, migration) => {
    expect(migration.down, `${migration.downPath} is missing`).toBeDefined();
    expect(migration.down!.statements.length).toBeGreaterThan(0);
  });
});

describe('down files', () => {
  const t = useDatabase({ modules: [] });

  test('each one exactly reverses its migration, in dependency order, and the migration applies again after it', async () => {
    const empty = await dumpCatalog(t.sql);
    const applied: typeof allMigrations = [];
    for (const migration of allMigrations) {
      const before = await dumpCatalog(t.sql);
      await runInTransaction(t.sql, migration.up.statements);
      const after = await dumpCatalog(t.sql);
      expect(after, `${migration.tag} changes nothing`).not.toEqual(before);

      await runInTransaction(t.sql, migration.down!.statements);
      expect(await dumpCatalog(t.sql), `${migration.module}/${migration.tag}.down.sql`).toEqual(before);

      await runInTransaction(t.sql, migration.up.statements);
      expect(await dumpCatalog(t.sql)).toEqual(after);
      applied.push(migration);
    }

    for (const migration of applied.reverse()) await runInTransaction(t.sql, migration.down!.statements);
    expect(await dumpCatalog(t.sql)).toEqual(empty);
  });
});

describe('chat/0001_message_write_order on a database with messages', () => {
  const t = useDatabase({ modules: [] });

  test('numbers existing messages in (created_at, id) order, ties included, and new ones after them', async () => {
    const [init, writeOrder] = readMigrations('chat');
    expect(writeOrder!.tag).toBe('0001_message_write_order');
    await runInTransaction(t.sql, init!.up.statements);
    const sessionId = await insertSession(t.sql, randomUUID());
    // Inserted out of time order, five of them stamped alike.
    for (const at of ['10:00:03', '10:00:01', '10:00:02', '10:00:02', '10:00:02', '10:00:02', '10:00:02', '10:00:00']) {
      await t.sql`INSERT INTO messages (session_id, role, content, created_at) VALUES (${sessionId}, 'user', ${at}, ${`2025-01-01T${at}Z`})`;
    }
    const before = await t.sql`SELECT id FROM messages ORDER BY created_at, id`;

    await runInTransaction(t.sql, writeOrder!.up.statements);
    const numbered = await t.sql`SELECT id, seq FROM messages ORDER BY seq`;
    expect(numbered.map((row) => row.id)).toEqual(before.map((row) => row.id));
    expect(numbered.map((row) => Number(row.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const newest = await insertMessage(t.sql, sessionId);
    const [row] = await t.sql`SELECT seq FROM messages WHERE id = ${newest}`;
    expect(Number(row!.seq)).toBe(9);

    await runInTransaction(t.sql, writeOrder!.down!.statements);
    const [{ n } = { n: -1 }] = await t.sql`SELECT count(*)::int AS n FROM messages`;
    expect(n).toBe(9);
  });
});

describe('the chat module alone', () => {
  const t = useDatabase({ modules: ['chat'] });

  test('installs without users and accepts a user id from an external auth provider', async () => {
    const [{ users } = { users: 'missing' }] = await t.sql`SELECT to_regclass('users')::text AS users`;
    expect(users).toBeNull();

    const externalUserId = randomUUID();
    const sessionId = await insertSession(t.sql, externalUserId);
    const messageId = await insertMessage(t.sql, sessionId, 'assistant');
    await insertFeedback(t.sql, messageId, externalUserId, 'down');

    const [row] = await t.sql`SELECT user_id FROM chat_sessions WHERE id = ${sessionId}`;
    expect(row!.user_id).toBe(externalUserId);
  });
});

describe('the auth module alone', () => {
  const t = useDatabase({ modules: ['auth'] });

  test('installs without the chat tables', async () => {
    const [row] = await t.sql`SELECT to_regclass('chat_sessions')::text AS chat, to_regclass('users')::text AS users`;
    expect(row).toEqual({ chat: null, users: 'users' });
    await insertUser(t.sql);
  });
});

describe('the link module', () => {
  const t = useDatabase({ modules: ['auth', 'chat'] });

  test('refuses, naming the ids, while chat rows point at users that do not exist; installs once they exist', async () => {
    const orphan = randomUUID();
    await insertSession(t.sql, orphan);

    const failure = await installModules(t.url, ['link']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect((failure as MigrationFailedError).sqlState).toBe('23503');
    expect((failure as Error).message).toContain('1 user id(s)');
    expect((failure as Error).message).toContain(orphan);
    expect((failure as Error).message).toContain('Insert those users');

    await t.sql`INSERT INTO users (id, email) VALUES (${orphan}, ${`${orphan}@example.test`})`;
    await installModules(t.url, ['link']);

    const installed = await t.sql<{ name: string; definition: string }[]>`
      SELECT conname AS name, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint
      WHERE contype = 'f' AND confrelid = 'users'::regclass AND conrelid <> 'user_profiles'::regclass
      ORDER BY conname`;
    const declared = linkForeignKeys
      .map((fk) => ({
        name: fk.name,
        definition: `FOREIGN KEY (${fk.column}) REFERENCES ${fk.references.table}(${fk.references.column}) ON DELETE CASCADE`,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(installed).toEqual(declared);

    await expect(insertSession(t.sql, randomUUID())).rejects.toMatchObject({ code: '23503' });
  });
});
