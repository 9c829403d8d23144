/**
 * countUserMessagesSince counts what was sent, not what remains: edits
 * (deleteMessagesAfter) and deleted sessions do not reset a rate limit.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { queryRows } from '../../src/queries/executor.ts';
import {
  addMessage,
  countUserMessagesSince,
  createSession,
  deleteMessagesAfter,
  deleteSession,
  purgeSessions,
  withUser,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertMessage, insertSession, insertUser } from '../support/factories.ts';

const t = useDatabase();

describe('countUserMessagesSince after deletes', () => {
  test('ten rounds of question, answer and an edit that deletes both: ten questions sent', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    const since = new Date(Date.now() - 1_000);
    for (let i = 0; i < 10; i++) {
      const question = await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: `question ${i}` });
      await addMessage(t.api, { sessionId: session.id, userId, role: 'assistant', content: `answer ${i}` });
      await deleteMessagesAfter(t.api, { messageId: question.id, userId });
    }
    const [left] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${session.id}`;
    expect(left!.n).toBe(0);
    const { result, queries } = await t.countQueries(() => countUserMessagesSince(t.api, { userId, since }));
    expect(result).toBe(10);
    expect(queries).toBe(1);
    expect(await countUserMessagesSince(t.api, { userId, since, role: 'assistant' })).toBe(10);
    expect(await countUserMessagesSince(t.api, { userId, since: new Date(Date.now() + 60_000) })).toBe(0);
  });

  test('deleting the session does not reset the count either; no one else is counted', async () => {
    const userId = await insertUser(t.sql);
    const since = new Date(Date.now() - 1_000);
    const session = await createSession(t.api, { userId });
    for (let i = 0; i < 3; i++) await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: `q${i}` });
    const kept = await createSession(t.api, { userId });
    await addMessage(t.api, { sessionId: kept.id, userId, role: 'user', content: 'still here' });
    const { queries } = await t.countQueries(() => deleteSession(t.api, { sessionId: session.id, userId }));
    expect(queries).toBe(1);
    expect(await countUserMessagesSince(t.api, { userId, since })).toBe(4);
    expect(await countUserMessagesSince(t.api, { userId: await insertUser(t.sql), since })).toBe(0);
  });

  test('the record of deleted messages holds no content, and purgeSessions prunes it past its cut-off', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    const old = await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'secret words' });
    await t.sql`UPDATE messages SET created_at = now() - interval '400 days' WHERE id = ${old.id}`;
    await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'more secret words' });
    await deleteMessagesAfter(t.api, { messageId: old.id, userId });

    const records = await t.sql`SELECT to_jsonb(d) AS row FROM deleted_messages d WHERE d.user_id = ${userId}`;
    expect(records).toHaveLength(2);
    expect(JSON.stringify(records)).not.toContain('secret');
    expect(records.map((record) => Object.keys(record.row).sort())).toEqual([['deleted_at', 'id', 'role', 'sent_at', 'user_id'], ['deleted_at', 'id', 'role', 'sent_at', 'user_id']]);
    expect(await countUserMessagesSince(t.api, { userId, since: new Date(0) })).toBe(2);

    await purgeSessions(t.api, { olderThan: new Date(Date.now() - 365 * 86_400_000) });
    expect(await countUserMessagesSince(t.api, { userId, since: new Date(0) })).toBe(1);
  });
});

describe('with the rls module', () => {
  const r = useDatabase({ modules: ['chat', 'rls'] });

  test("inside a user's context the record is written and counted, and only that user's is visible", async () => {
    const since = new Date(Date.now() - 1_000);
    const seed = async () => {
      const userId = randomUUID();
      const questionId = await insertMessage(r.sql, await insertSession(r.sql, userId), 'user');
      return { userId, questionId };
    };
    const a = await seed();
    const b = await seed();
    for (const user of [a, b]) {
      await withUser(r.api, { userId: user.userId, role: 'rag_chat_app' }, (tx) => deleteMessagesAfter(tx, { messageId: user.questionId, userId: user.userId }));
    }
    const [seen] = await withUser(r.api, { userId: a.userId, role: 'rag_chat_app' }, async (tx) => [
      {
        count: await countUserMessagesSince(tx, { userId: a.userId, since }),
        visible: await queryRows<{ user_id: string }>(tx, sql`SELECT user_id FROM deleted_messages`, 'message'),
      },
    ]);
    expect(seen).toEqual({ count: 1, visible: [{ user_id: a.userId }] });
  });
});
