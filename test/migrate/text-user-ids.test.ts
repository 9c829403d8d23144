/**
 * Text user ids (issue 14): the upgrade of a database installed before them
 * (uuid columns, the rls policies in their uuid form), its rollback, the
 * amended rls files, and fresh installs of every scope with the ids real
 * auth providers issue, against the ids the rule refuses.
 */
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql as drizzleSql } from 'drizzle-orm';
import { describe, expect, inject, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { connectForMigrations, type MigrationClient } from '../../src/migrate/client.ts';
import { dumpCatalog } from '../../src/migrate/catalog.ts';
import { MigrationFailedError, MigrationRefusedError } from '../../src/migrate/errors.ts';
import { amendsMarker, moduleSource, packageRoot, parseSqlFile, readMigrations } from '../../src/migrate/files.ts';
import { moduleNames, type ModuleName, scopes } from '../../src/migrate/modules.ts';
import { applyMigrations, readStates, rollbackMigrations } from '../../src/migrate/runner.ts';
import { problemsOf } from '../../src/migrate/state.ts';
import { queryRows } from '../../src/queries/executor.ts';
import * as q from '../../src/queries/index.ts';
import { cli } from '../support/cli.ts';
import { connect, connectDrizzle, type Db, queryable, type Sql, withEmptyDatabase as withEmptyDatabaseOf } from '../support/databases.ts';

const adminUrl = inject('adminUrl');
const withEmptyDatabase = <T>(fn: (url: string) => Promise<T>) => withEmptyDatabaseOf(adminUrl, inject('ownerPid'), fn);

/** Ids as auth providers issue them; each is accepted. */
const accepted = {
  clerk: 'user_2NNEqL2nrIRdJ194ndJqAHwEfxC',
  auth0: 'auth0|5f7c8ec7c33c6c004bbafe82',
  betterAuth: 'Xq3bL9vK2mN7pR4tW8yZ1cF5hJ6dG0sA',
  uuid: randomUUID(),
};
/** Ids the rule refuses: empty, too long, a space, NUL, non-ASCII, a newline. */
const refused = ['', 'u'.repeat(256), 'user 1', 'user\u00001', 'é', 'user\n1'];

const textForm = "nullif(current_setting('app.user_id', true), '')";
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An amended file's text as released: without its amends lines, the policies in their uuid form. */
function releasedText(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith(amendsMarker))
    .join('\n')
    .replaceAll(textForm, `${textForm}::uuid`);
}

/** A copy of drizzle/ as it was before text user ids: without auth/0001 and chat/0004, the rls files as released. */
function releasedTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'rcdb-released-'));
  cpSync(join(packageRoot, 'drizzle'), join(root, 'drizzle'), { recursive: true });
  for (const [module, tag] of [['auth', '0001_text_user_ids'], ['chat', '0004_text_user_ids']] as const) {
    const path = join(root, 'drizzle', module, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(path, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((entry) => entry.tag !== tag);
    writeFileSync(path, JSON.stringify(journal, null, 2));
  }
  for (const file of readMigrations('rls')) {
    const released = releasedText(readFileSync(file.up.path, 'utf8'));
    // The reconstruction is the released file itself: its sha256 is the one the amends marker names.
    expect(file.up.amends.map((amendment) => amendment.hash)).toEqual([sha256(released)]);
    writeFileSync(join(root, 'drizzle', 'rls', `${file.tag}.sql`), released);
  }
  return root;
}

async function withClients<T>(url: string, fn: (c: { client: MigrationClient; sql: Sql; db: Db }) => Promise<T>): Promise<T> {
  const client = await connectForMigrations(url);
  const sql = connect(url, 2);
  const drizzleClient = connect(url, 2);
  try {
    return await fn({ client, sql, db: connectDrizzle(drizzleClient) });
  } finally {
    await Promise.all([client.close(), sql.end(), drizzleClient.end()]);
  }
}

const sources = (names: readonly ModuleName[], root?: string) => names.map((name) => moduleSource(name, root));
const rollbackOne = (client: MigrationClient, module: ModuleName) =>
  rollbackMigrations(client, moduleSource(module), { steps: 1 }, sources(moduleNames.filter((name) => name !== module)));

async function userIdTypes(sql: Sql): Promise<Record<string, string>> {
  const rows = await sql<{ column: string; type: string }[]>`
    SELECT attrelid::regclass || '.' || attname AS column, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid IN ('users'::regclass, 'user_profiles'::regclass, 'chat_sessions'::regclass, 'message_feedback'::regclass, 'deleted_messages'::regclass)
      AND attname IN ('id', 'user_id') AND NOT (attrelid <> 'users'::regclass AND attname = 'id')`;
  return Object.fromEntries(rows.map((row) => [row.column, row.type]));
}
const allOf = (type: string) => ({
  'users.id': type,
  'user_profiles.user_id': type,
  'chat_sessions.user_id': type,
  'message_feedback.user_id': type,
  'deleted_messages.user_id': type,
});

async function policies(sql: Sql): Promise<string[]> {
  const rows = await sql<{ line: string }[]>`SELECT polname || ': ' || pg_get_expr(polqual, polrelid) AS line FROM pg_policy ORDER BY polname`;
  return rows.map((row) => row.line);
}

/** A user with a profile, a session, a cited answer, a rating and a record of a deleted message. */
async function seedUser(sql: Sql): Promise<{ userId: string; sessionId: string }> {
  const [user] = await sql<{ id: string }[]>`INSERT INTO users (email) VALUES (${`u-${randomUUID()}@example.test`}) RETURNING id`;
  const userId = user!.id;
  await sql`INSERT INTO user_profiles (user_id, preferred_language) VALUES (${userId}, 'en')`;
  const [session] = await sql<{ id: string }[]>`INSERT INTO chat_sessions (user_id, title) VALUES (${userId}, 'kept') RETURNING id`;
  const [message] = await sql<{ id: string }[]>`INSERT INTO messages (session_id, role, content) VALUES (${session!.id}, 'assistant', 'DDS') RETURNING id`;
  await sql`INSERT INTO message_citations (message_id, document_id, citation_index) VALUES (${message!.id}, 'doc', 1)`;
  await sql`INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${message!.id}, ${userId}, 'up')`;
  await sql`INSERT INTO deleted_messages (user_id, role, sent_at) VALUES (${userId}, 'user', now())`;
  return { userId, sessionId: session!.id };
}

const counts = (sql: Sql) => sql`
  SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM user_profiles) AS profiles,
         (SELECT count(*)::int FROM chat_sessions) AS sessions, (SELECT count(*)::int FROM messages) AS messages,
         (SELECT count(*)::int FROM message_citations) AS citations, (SELECT count(*)::int FROM message_feedback) AS feedback,
         (SELECT count(*)::int FROM deleted_messages) AS deleted`;

/** What a transaction acting for `userId` (as rag_chat_app) sees of the chat tables. */
const visibleTo = (db: Db, userId: string) =>
  q.withUser(db, { userId, role: 'rag_chat_app' }, (tx) =>
    queryRows<{ sessions: string[]; feedback: string[] }>(
      tx,
      drizzleSql`SELECT (SELECT coalesce(json_agg(user_id ORDER BY user_id), '[]') FROM chat_sessions) AS sessions,
                        (SELECT coalesce(json_agg(user_id ORDER BY user_id), '[]') FROM message_feedback) AS feedback`,
      'session',
    ).then(([row]) => row!),
  );

describe('a database installed before text user ids (every module, rls included, uuid data)', () => {
  test('upgrades with init: data intact, ids text, the schema of a fresh install; link and rls still work; rollback restores uuid, and is refused while a non-uuid id exists', { timeout: 120_000 }, async () => {
    const released = releasedTree();
    await withEmptyDatabase(async (url) => {
      await withClients(url, async ({ client, sql, db }) => {
        await applyMigrations(client, sources(moduleNames, released));
        const a = await seedUser(sql);
        const b = await seedUser(sql);
        expect(await userIdTypes(sql)).toEqual(allOf('uuid'));
        const releasedCatalog = await dumpCatalog(queryable(sql));
        const [before] = await counts(sql);

        // The amended rls files are accepted as applied: nothing tampered, only the two new files pending.
        const states = await readStates(client, sources(moduleNames));
        expect(states.flatMap(problemsOf)).toEqual([]);
        expect(states.flatMap((state) => state.pending.map((file) => `${state.source.name}/${file.tag}`))).toEqual(['auth/0001_text_user_ids', 'chat/0004_text_user_ids']);

        // `init` upgrades it (scope all, then rls: nothing left there), and `status` reports no problem.
        const env = { DATABASE_URL: url };
        const init = await cli(['init', '--scope', 'all'], { env });
        expect(init.stderr).toBe('');
        expect(init.code).toBe(0);
        expect(init.stdout).toMatch(/auth\/0001_text_user_ids[\s\S]*chat\/0004_text_user_ids/);
        expect(await cli(['init', '--scope', 'rls'], { env })).toMatchObject({ code: 0, stderr: '' });
        const status = await cli(['status'], { env });
        expect(status.code).toBe(0);
        expect(status.stdout).not.toContain('problem');
        expect((await counts(sql))[0]).toEqual(before);
        expect(await userIdTypes(sql)).toEqual(allOf('text'));
        expect(await policies(sql)).toHaveLength(5);
        for (const policy of await policies(sql)) expect(policy).not.toContain('uuid');
        // Exactly the schema a fresh install of the same modules builds.
        const fresh = await withEmptyDatabase(async (freshUrl) =>
          withClients(freshUrl, async (f) => {
            await applyMigrations(f.client, sources(moduleNames));
            return dumpCatalog(queryable(f.sql));
          }),
        );
        expect(await dumpCatalog(queryable(sql))).toEqual(fresh);

        // RLS still isolates; the link module still cascades.
        expect(await visibleTo(db, a.userId)).toEqual({ sessions: [a.userId], feedback: [a.userId] });
        await sql`DELETE FROM users WHERE id = ${a.userId}`;
        const [afterDelete] = await sql`
          SELECT (SELECT count(*)::int FROM chat_sessions WHERE user_id = ${a.userId}) AS sessions,
                 (SELECT count(*)::int FROM message_feedback WHERE user_id = ${a.userId}) AS feedback,
                 (SELECT count(*)::int FROM deleted_messages WHERE user_id = ${a.userId}) AS deleted,
                 (SELECT count(*)::int FROM chat_sessions WHERE user_id = ${b.userId}) AS others`;
        expect(afterDelete).toEqual({ sessions: 0, feedback: 0, deleted: 0, others: 1 });
        await sql`INSERT INTO users (id, email) VALUES (${accepted.clerk}, 'clerk@example.test')`;
        const session = await q.createSession(db, { userId: accepted.clerk, title: 'text id' });
        expect(await visibleTo(db, accepted.clerk)).toEqual({ sessions: [accepted.clerk], feedback: [] });

        // Rollback is refused, naming the id, while a user id is not a uuid; nothing changes.
        const refusal = await rollbackOne(client, 'chat').catch((error: unknown) => error);
        expect(refusal).toBeInstanceOf(MigrationFailedError);
        expect(String((refusal as Error).message)).toContain(`'${accepted.clerk}'`);
        expect(await userIdTypes(sql)).toEqual(allOf('text'));

        // Without it, chat/0004 then auth/0001 roll back to exactly the released schema.
        await sql`DELETE FROM chat_sessions WHERE id = ${session.id}`;
        await sql`DELETE FROM users WHERE id = ${accepted.clerk}`;
        await rollbackOne(client, 'chat');
        expect(await userIdTypes(sql)).toEqual(allOf('uuid'));
        await rollbackOne(client, 'auth');
        expect(await dumpCatalog(queryable(sql))).toEqual(releasedCatalog);
        expect(await visibleTo(db, b.userId)).toEqual({ sessions: [b.userId], feedback: [b.userId] });

        // ...and upgrade again.
        await applyMigrations(client, sources(moduleNames));
        expect(await dumpCatalog(queryable(sql))).toEqual(fresh);
      });
    });
  });

  test('anything but the amended text is still tampering: a database that applied other text, or an amended file changed again', { timeout: 60_000 }, async () => {
    const released = releasedTree();
    const edited = mkdtempSync(join(tmpdir(), 'rcdb-edited-'));
    cpSync(join(packageRoot, 'drizzle'), join(edited, 'drizzle'), { recursive: true });
    const editedPath = join(edited, 'drizzle/rls/0000_row_level_security.sql');
    writeFileSync(editedPath, readFileSync(editedPath, 'utf8').replace('GRANT USAGE ON SCHEMA public', 'GRANT USAGE, CREATE ON SCHEMA public'));
    const refusedAsTampered = async (client: MigrationClient, root?: string) => {
      const [, rls] = await readStates(client, sources(['chat', 'rls'], root));
      expect(rls!.tampered.map((file) => file.tag)).toEqual(['0000_row_level_security']);
      await expect(applyMigrations(client, sources(['chat', 'rls'], root))).rejects.toThrow(MigrationRefusedError);
      await expect(applyMigrations(client, sources(['chat', 'rls'], root))).rejects.toThrow('rls/0000_row_level_security.sql changed after it was applied');
    };
    await withEmptyDatabase(async (url) => {
      await withClients(url, async ({ client, sql }) => {
        // Applied from a text that is neither the released one nor the amended one.
        await applyMigrations(client, sources(['chat', 'rls'], released));
        const [rls0000] = readMigrations('rls');
        await sql`UPDATE drizzle.__drizzle_migrations_rls SET hash = ${sha256('something else')} WHERE created_at = ${rls0000!.when}`;
        await refusedAsTampered(client);
      });
    });
    await withEmptyDatabase(async (url) => {
      await withClients(url, async ({ client }) => {
        // Applied from the amended text, then the file changed again.
        await applyMigrations(client, sources(['chat', 'rls']));
        await refusedAsTampered(client, edited);
      });
    });
  });

  test('an amends marker is a sha256 and a reason; anything else is an error, not ignored', () => {
    const hash = 'a'.repeat(64);
    expect(parseSqlFile('x.sql', `-- note\n${amendsMarker} ${hash}: why\nSELECT 1;`).amends).toEqual([{ hash, reason: 'why' }]);
    expect(parseSqlFile('x.sql', `SELECT 1;\n${amendsMarker} ${hash}: after the first statement, not a marker`).amends).toEqual([]);
    expect(() => parseSqlFile('x.sql', `${amendsMarker} ${hash}\nSELECT 1;`)).toThrow('is not "-- rag-chat-db: amends <sha256');
    expect(() => parseSqlFile('x.sql', `${amendsMarker} abc: short\nSELECT 1;`)).toThrow('64 hex digits');
  });
});

describe.each(Object.keys(scopes) as (keyof typeof scopes)[])('a fresh install, scope %s', (scope) => {
  const installed: readonly ModuleName[] = scopes[scope];
  const hasAuth = installed.includes('auth');
  const hasChat = installed.includes('chat');

  test('accepts the ids auth providers issue, through every helper; refuses the others before SQL, and by CHECK in raw SQL', { timeout: 60_000 }, async () => {
    await withEmptyDatabase(async (url) => {
      await withClients(url, async ({ client, sql, db }) => {
        await applyMigrations(client, sources(installed));
        for (const userId of Object.values(accepted)) {
          if (hasAuth) {
            await sql`INSERT INTO users (id, email) VALUES (${userId}, ${`${randomUUID()}@example.test`})`;
            expect(await q.getUser(db, { userId })).toMatchObject({ id: userId });
            expect(await q.upsertProfile(db, { userId, preferredLanguage: 'en' })).toMatchObject({ userId });
            expect(await q.getProfile(db, { userId })).toMatchObject({ userId });
          }
          if (hasChat) {
            const first = await q.createSession(db, { userId, title: 'first' });
            const second = await q.createSession(db, { userId, title: 'second' });
            const message = await q.addMessage(db, { sessionId: second.id, userId, role: 'assistant', content: 'DDS', citations: [{ documentId: 'doc', citationIndex: 1 }] });
            await q.setFeedback(db, { messageId: message.id, userId, rating: 'up' });
            const page = await q.listSessions(db, { userId, limit: 1 });
            const next = await q.listSessions(db, { userId, limit: 1, cursor: page.nextCursor! });
            expect([...page.items, ...next.items].map((s) => s.id)).toEqual([second.id, first.id]);
            const conversation = await q.getConversationWithCitations(db, { sessionId: second.id, userId });
            expect(conversation.messages.map((m) => m.feedback?.['rating'])).toEqual(['up']);
            const exported = await q.exportUserData(db, { userId });
            expect(exported.sessions).toHaveLength(2);
            expect(exported.feedback.map((f) => f.userId)).toEqual([userId]);
            if (installed.includes('rls')) {
              const mine = await q.withUser(db, { userId, role: 'rag_chat_app' }, (tx) => q.listSessions(tx, { userId, limit: 10 }));
              expect(mine.items).toHaveLength(2);
              const others = await q.withUser(db, { userId: `${userId}x`.slice(-255), role: 'rag_chat_app' }, (tx) => q.listSessions(tx, { userId, limit: 10 }));
              expect(others.items).toEqual([]);
            }
          }
          // Exact comparison: the same id in another case is another user.
          if (hasAuth) await expect(q.getUser(db, { userId: userId.toUpperCase() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
          if (hasChat) expect(await q.eraseUser(db, { userId })).toMatchObject({ sessions: 2, user: hasAuth });
        }
        if (hasAuth) expect((await q.createUser(db, { email: 'default@example.test' })).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

        for (const userId of refused) {
          if (hasChat) await expect(q.createSession(db, { userId })).rejects.toThrow(ValidationError);
          if (hasAuth) await expect(q.getUser(db, { userId })).rejects.toThrow(ValidationError);
          await expect(q.getPersonalizationContext(db, { userId })).rejects.toThrow('must be 1 to 255 printable ASCII characters without spaces');
          // Postgres text cannot hold NUL at all (22021); every other refused id breaks the CHECK (23514).
          const code = userId.includes('\u0000') ? '22021' : '23514';
          if (hasChat) await expect(sql`INSERT INTO chat_sessions (user_id) VALUES (${userId})`).rejects.toMatchObject({ code });
          if (hasAuth) await expect(sql`INSERT INTO users (id, email) VALUES (${userId}, ${`${randomUUID()}@example.test`})`).rejects.toMatchObject({ code });
        }
      });
    });
  });
});
