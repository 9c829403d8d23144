/** relations() cover every foreign key: drizzle's relational queries walk the whole tree both ways. */
import { eq, One } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { users, messageCitations } from '../../src/schema/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertCitation, insertFeedback, insertMessage, insertSession, insertUser } from '../support/factories.ts';

const t = useDatabase();

test('from a user down to citations and feedback', async () => {
  const userId = await insertUser(t.sql);
  await t.sql`INSERT INTO user_profiles (user_id, preferred_language) VALUES (${userId}, 'ur')`;
  const sessionId = await insertSession(t.sql, userId);
  const answerId = await insertMessage(t.sql, sessionId, 'assistant', 'answer');
  await insertCitation(t.sql, answerId, 1);
  await insertFeedback(t.sql, answerId, userId, 'up');

  const user = await t.db.query.users.findFirst({
    where: eq(users.id, userId),
    with: {
      profile: true,
      feedback: true,
      sessions: { with: { messages: { with: { citations: true, feedback: true } } } },
    },
  });

  expect(user?.profile?.preferredLanguage).toBe('ur');
  expect(user?.feedback.map((f) => f.rating)).toEqual(['up']);
  const [message] = user!.sessions[0]!.messages;
  expect(message).toMatchObject({ id: answerId, content: 'answer' });
  expect(message!.citations.map((c) => c.citationIndex)).toEqual([1]);
  expect(message!.feedback.map((f) => f.userId)).toEqual([userId]);
});

test('from a citation up to the user', async () => {
  const userId = await insertUser(t.sql);
  const answerId = await insertMessage(t.sql, await insertSession(t.sql, userId), 'assistant');
  const citationId = await insertCitation(t.sql, answerId, 3);

  const citation = await t.db.query.messageCitations.findFirst({
    where: eq(messageCitations.id, citationId),
    with: { message: { with: { session: { with: { user: { with: { profile: true } } } } } } },
  });
  expect(citation?.message.session.user.id).toBe(userId);
  expect(citation?.message.session.user.profile).toBeNull();
});

test('every foreign key in the database has a relation on both sides', async () => {
  const foreignKeys = await t.sql<{ table: string; column: string; target: string }[]>`
    SELECT conrelid::regclass::text AS table, a.attname AS column, confrelid::regclass::text AS target
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`;
  expect(foreignKeys.length).toBeGreaterThanOrEqual(6);

  const tables = Object.values(t.db._.schema!);
  const byDbName = (name: string) => tables.find((table) => table.dbName === name)!;
  for (const fk of foreignKeys) {
    const owner = byDbName(fk.table);
    const forward = Object.values(owner.relations).find(
      (relation) =>
        relation instanceof One &&
        relation.referencedTableName === fk.target &&
        relation.config?.fields.map((field) => field.name).join() === fk.column,
    );
    expect(forward, `${fk.table}.${fk.column} -> ${fk.target}`).toBeDefined();
    const backward = Object.values(byDbName(fk.target).relations).find(
      (relation) => relation.referencedTableName === fk.table,
    );
    expect(backward, `${fk.target} -> ${fk.table}`).toBeDefined();
  }
});
