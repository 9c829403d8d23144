import { describe, expect, test } from 'vitest';
import { addMessage, createSession, eraseUser, exportUserData, purgeSessions, setFeedback, upsertProfile } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';
import type { Sql } from '../support/databases.ts';

const t = useDatabase();

/** A user with a profile, two sessions, cited answers, feedback given, and feedback from someone else on their answer. */
async function populatedUser() {
  const userId = await insertUser(t.sql);
  await upsertProfile(t.api, { userId, experienceLevel: 'beginner', preferredLanguage: 'ur' });
  const sessions = [await createSession(t.api, { userId, title: 'one' }), await createSession(t.api, { userId, title: 'two' })];
  const answers = [];
  for (const session of sessions) {
    await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'q', selectedText: 'highlight' });
    answers.push(await addMessage(t.api, { sessionId: session.id, userId, role: 'assistant', content: 'a', citations: [{ documentId: 'd', citationIndex: 1 }] }));
  }
  await setFeedback(t.api, { messageId: answers[0]!.id, userId, rating: 'up' });
  return { userId, sessions, answers };
}

async function rowsOfUser(sql: Sql, userId: string) {
  const [row] = await sql`
    SELECT (SELECT count(*) FROM users WHERE id = ${userId})::int AS users,
           (SELECT count(*) FROM user_profiles WHERE user_id = ${userId})::int AS profiles,
           (SELECT count(*) FROM chat_sessions WHERE user_id = ${userId})::int AS sessions,
           (SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.user_id = ${userId})::int AS messages,
           (SELECT count(*) FROM message_citations c JOIN messages m ON m.id = c.message_id JOIN chat_sessions s ON s.id = m.session_id WHERE s.user_id = ${userId})::int AS citations,
           (SELECT count(*) FROM message_feedback WHERE user_id = ${userId})::int AS feedback`;
  return row;
}

describe('exportUserData', () => {
  test('everything held about the user, as data', async () => {
    const { userId, sessions } = await populatedUser();
    const data = await exportUserData(t.api, { userId });
    expect(data.user?.id).toBe(userId);
    expect(data.profile).toMatchObject({ experienceLevel: 'beginner', preferredLanguage: 'ur' });
    expect(data.sessions.map((s) => s.title)).toEqual(sessions.map((s) => s.title));
    expect(data.sessions[0]!.messages.map((m) => [m.role, m.selectedText, m.citations.length, m.feedback?.rating ?? null])).toEqual([
      ['user', 'highlight', 0, null],
      ['assistant', null, 1, 'up'],
    ]);
    expect(data.feedback).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(data)).sessions).toHaveLength(2);
  });
});

describe('eraseUser', () => {
  test('leaves zero rows for the user in every table, in one statement, and touches no one else', async () => {
    const { userId, answers } = await populatedUser();
    const bystander = await populatedUser();
    // The bystander rated one of the erased user's answers: that rating goes with the answer.
    await t.sql`INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${answers[1]!.id}, ${bystander.userId}, 'down')`;
    const before = await rowsOfUser(t.sql, bystander.userId);

    const { result, queries } = await t.countQueries(() => eraseUser(t.api, { userId }));
    expect(result).toEqual({ sessions: 2, messages: 4, feedback: 1, user: true });
    expect(queries).toBe(3); // is the auth module's journal there, has it rows, then one statement
    expect(await rowsOfUser(t.sql, userId)).toEqual({ users: 0, profiles: 0, sessions: 0, messages: 0, citations: 0, feedback: 0 });
    expect(await rowsOfUser(t.sql, bystander.userId)).toEqual({ ...before, feedback: before!.feedback - 1 });
  });
});

describe('purgeSessions', () => {
  test('deletes sessions idle since before the cutoff, in batches, with everything in them', async () => {
    const userId = await insertUser(t.sql);
    const old = await t.sql`INSERT INTO chat_sessions (user_id, created_at) SELECT ${userId}, now() - interval '400 days'
                           FROM generate_series(1, 7) RETURNING id`;
    await t.sql`INSERT INTO messages (session_id, role, content, created_at)
                SELECT id, 'user', 'old', now() - interval '400 days' FROM chat_sessions WHERE id = ANY(${old.map((r) => r.id)}::uuid[])`;
    await createSession(t.api, { userId }); // active: kept

    const { result, queries } = await t.countQueries(() => purgeSessions(t.api, { olderThan: new Date(Date.now() - 365 * 86_400_000), batchSize: 3 }));
    expect(result).toEqual({ sessions: 7 });
    expect(queries).toBe(4); // 3 + 3 + 1 sessions, then the record of deleted messages
    const [left] = await t.sql`SELECT (SELECT count(*) FROM chat_sessions WHERE user_id = ${userId})::int AS sessions,
                                      (SELECT count(*) FROM messages WHERE content = 'old' AND session_id = ANY(${old.map((r) => r.id)}::uuid[]))::int AS messages`;
    expect(left).toEqual({ sessions: 1, messages: 0 });
  });
});
