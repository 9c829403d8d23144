/**
 * An edit (deleteMessagesAfter) racing a new message (addMessage) in one
 * session: the session's last_message_at must end up the newest message's
 * time whatever the interleaving, and retention (purgeSessions) must never
 * delete a session holding a message newer than its cut-off, whatever
 * last_message_at says.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import { addMessage, countUserMessagesSince, deleteMessagesAfter, deleteSession, purgeSessions } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';
import { holdLock, untilWaitingOnLock } from '../support/locks.ts';

const t = useDatabase();
let pool: PostgresDatabase;
/** Statements deleteMessagesAfter sent: one per attempt. */
let editAttempts = 0;
beforeAll(() => {
  pool = createDb({ url: t.url, max: 10, onQuery: (text) => void (text.includes('WITH pivot AS') && editAttempts++) });
});
afterAll(() => closeDb(pool));

const day = 86_400_000;

/** A session created 40 days ago whose only message, a question, is as old. */
async function staleSession(userId: string) {
  const [session] = await t.sql`
    INSERT INTO chat_sessions (user_id, created_at, last_message_at) VALUES (${userId}, now() - interval '40 days', now() - interval '40 days')
    RETURNING id`;
  const [question] = await t.sql`
    INSERT INTO messages (session_id, role, content, created_at) VALUES (${session!.id}, 'user', 'old question', now() - interval '40 days')
    RETURNING id`;
  return { sessionId: session!.id as string, questionId: question!.id as string };
}

/** Sessions whose last_message_at is not the time of their newest message (NULL when they have none). */
async function inconsistent(sessionIds: string[]) {
  return t.sql`
    SELECT s.id, s.last_message_at, (SELECT max(created_at) FROM messages m WHERE m.session_id = s.id) AS newest
    FROM chat_sessions s
    WHERE s.id = ANY(${sessionIds}::uuid[])
      AND s.last_message_at IS DISTINCT FROM (SELECT max(created_at) FROM messages m WHERE m.session_id = s.id)`;
}

/** Purges with a 30-day cut-off; every session that held a message newer than it must survive. */
async function purgeKeepsRecentSessions(sessionIds: string[]) {
  const olderThan = new Date(Date.now() - 30 * day);
  const recent = await t.sql`SELECT DISTINCT session_id FROM messages WHERE session_id = ANY(${sessionIds}::uuid[]) AND created_at >= ${olderThan}`;
  await purgeSessions(t.api, { olderThan });
  const left = await t.sql`SELECT id FROM chat_sessions WHERE id = ANY(${recent.map((row) => row.session_id)}::uuid[])`;
  expect(left.map((row) => row.id).sort()).toEqual(recent.map((row) => row.session_id).sort());
}

describe('deleteMessagesAfter racing addMessage in one session', () => {
  test.each([
    ['the new message commits first, while the edit waits (the reported loss)', 'add-first'],
    ['the edit commits first, while the new message waits', 'edit-first'],
  ] as const)('%s: last_message_at is the newest message, and a purge keeps a session with a recent message', async (_name, order) => {
    const userId = await insertUser(t.sql);
    const { sessionId, questionId } = await staleSession(userId);

    // Hold the session row, queue both statements behind it in the chosen order, then release.
    const release = await holdLock(t.sql, (blocker) => blocker`SELECT id FROM chat_sessions WHERE id = ${sessionId} FOR UPDATE`);
    const add = () => addMessage(pool, { sessionId, userId, role: 'assistant', content: 'the answer, just written' });
    const edit = () => deleteMessagesAfter(pool, { messageId: questionId, userId });
    const [first, second] = order === 'add-first' ? [add, edit] : [edit, add];
    editAttempts = 0;
    const firstDone = first();
    await untilWaitingOnLock(t.sql, 1);
    const secondDone = second();
    await untilWaitingOnLock(t.sql, 2);
    await release();
    await Promise.all([firstDone, secondDone]);
    // The edit whose snapshot predates the new message notices it and runs again.
    expect(editAttempts).toBe(order === 'add-first' ? 2 : 1);

    expect(await inconsistent([sessionId])).toEqual([]);
    const left = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId}`;
    // Either order of the two is a correct outcome; which one it is follows from the queue.
    expect(left.map((row) => row.content)).toEqual(order === 'add-first' ? [] : ['the answer, just written']);
    await purgeKeepsRecentSessions([sessionId]);
  });

  test('100 unforced rounds, ten at a time: every session consistent, no recent message purged', { timeout: 120_000 }, async () => {
    const userId = await insertUser(t.sql);
    const sessionIds: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const { sessionId, questionId } = await staleSession(userId);
          sessionIds.push(sessionId);
          await Promise.all([
            addMessage(pool, { sessionId, userId, role: 'assistant', content: 'the answer, just written' }),
            deleteMessagesAfter(pool, { messageId: questionId, userId }),
          ]);
        }),
      );
    }
    expect(await inconsistent(sessionIds)).toEqual([]);
    await purgeKeepsRecentSessions(sessionIds);
    // Measured: 40 to 54 of the 100 edits ran a second time (a concurrent message had committed); none a third.
  });
});

describe('deleteSession racing addMessage', () => {
  test('a message committed while the delete waited is deleted with the session, and still counted for rate limits', async () => {
    const userId = await insertUser(t.sql);
    const { sessionId } = await staleSession(userId);
    const since = new Date(Date.now() - 60 * day);
    const release = await holdLock(t.sql, (blocker) => blocker`SELECT id FROM chat_sessions WHERE id = ${sessionId} FOR UPDATE`);
    const added = addMessage(pool, { sessionId, userId, role: 'user', content: 'sent just now' });
    await untilWaitingOnLock(t.sql, 1);
    const deleted = deleteSession(pool, { sessionId, userId });
    await untilWaitingOnLock(t.sql, 2);
    await release();
    await Promise.all([added, deleted]);
    const [left] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
    expect(left!.n).toBe(0);
    expect(await countUserMessagesSince(t.api, { userId, since })).toBe(2); // the old question and the new one
  });
});

describe('purgeSessions', () => {
  test('keeps a session with a message newer than the cut-off, whatever last_message_at says', async () => {
    const userId = await insertUser(t.sql);
    const { sessionId } = await staleSession(userId);
    await t.sql`INSERT INTO messages (session_id, role, content) VALUES (${sessionId}, 'assistant', 'recent')`;
    for (const lastMessageAt of [null, new Date(Date.now() - 40 * day)]) {
      await t.sql`UPDATE chat_sessions SET last_message_at = ${lastMessageAt} WHERE id = ${sessionId}`;
      await purgeSessions(t.api, { olderThan: new Date(Date.now() - 30 * day) });
      const [row] = await t.sql`SELECT (SELECT count(*) FROM chat_sessions WHERE id = ${sessionId})::int AS sessions,
                                       (SELECT count(*) FROM messages WHERE session_id = ${sessionId})::int AS messages`;
      expect(row).toEqual({ sessions: 1, messages: 2 });
    }
  });
});
