/** Deleting a parent removes everything under it, and nothing else. */
import { describe, expect, test } from 'vitest';
import { useDatabase } from '../support/context.ts';
import {
  countWhere,
  insertCitation,
  insertFeedback,
  insertMessage,
  insertSession,
  insertUser,
} from '../support/factories.ts';
import type { Sql } from '../support/databases.ts';

const t = useDatabase();

/** A user with a profile, a session, a question and a cited, rated answer. */
async function userWithConversation(sql: Sql) {
  const userId = await insertUser(sql);
  await sql`INSERT INTO user_profiles (user_id, experience_level) VALUES (${userId}, 'beginner')`;
  const sessionId = await insertSession(sql, userId);
  await insertMessage(sql, sessionId, 'user');
  const answerId = await insertMessage(sql, sessionId, 'assistant');
  await insertCitation(sql, answerId, 1);
  await insertCitation(sql, answerId, 2);
  await insertFeedback(sql, answerId, userId, 'up');
  return { userId, sessionId, answerId };
}

async function counts(sql: Sql, ids: { userId: string; sessionId: string; answerId: string }) {
  return {
    profiles: await countWhere(sql, 'user_profiles', 'user_id', ids.userId),
    sessions: await countWhere(sql, 'chat_sessions', 'user_id', ids.userId),
    messages: await countWhere(sql, 'messages', 'session_id', ids.sessionId),
    citations: await countWhere(sql, 'message_citations', 'message_id', ids.answerId),
    feedback: await countWhere(sql, 'message_feedback', 'message_id', ids.answerId),
  };
}

describe('cascades', () => {
  test('deleting a user removes their profile, sessions, messages, citations and feedback, and no one else’s', async () => {
    const doomed = await userWithConversation(t.sql);
    const bystander = await userWithConversation(t.sql);
    // The doomed user also rated the bystander's answer: that rating goes too.
    await insertFeedback(t.sql, bystander.answerId, doomed.userId, 'down');

    await t.sql`DELETE FROM users WHERE id = ${doomed.userId}`;

    expect(await counts(t.sql, doomed)).toEqual({ profiles: 0, sessions: 0, messages: 0, citations: 0, feedback: 0 });
    expect(await counts(t.sql, bystander)).toEqual({ profiles: 1, sessions: 1, messages: 2, citations: 2, feedback: 1 });
  });

  test('deleting a session removes its messages, citations and feedback, and keeps the user', async () => {
    const ids = await userWithConversation(t.sql);
    await t.sql`DELETE FROM chat_sessions WHERE id = ${ids.sessionId}`;
    expect(await counts(t.sql, ids)).toEqual({ profiles: 1, sessions: 0, messages: 0, citations: 0, feedback: 0 });
  });

  test('deleting a message removes its citations and feedback only', async () => {
    const ids = await userWithConversation(t.sql);
    await t.sql`DELETE FROM messages WHERE id = ${ids.answerId}`;
    expect(await counts(t.sql, ids)).toEqual({ profiles: 1, sessions: 1, messages: 1, citations: 0, feedback: 0 });
  });
});
