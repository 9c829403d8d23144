/** With the chat module alone, the helpers work on user ids from an external auth provider. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { addMessage, createSession, deleteMessagesAfter, eraseUser, exportUserData, getConversationWithCitations } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';

const t = useDatabase({ modules: ['chat'] });

test('sessions, messages, export and erasure for an external user id', async () => {
  const userId = randomUUID(); // e.g. a Clerk or Auth0 user, mapped to a uuid
  const session = await createSession(t.api, { userId, title: 'external' });
  await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'hello' });
  expect((await getConversationWithCitations(t.api, { sessionId: session.id, userId })).messages).toHaveLength(1);

  const edited = await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'edited away' });
  await deleteMessagesAfter(t.api, { messageId: edited.id, userId });

  const data = await exportUserData(t.api, { userId });
  expect(data).toMatchObject({ user: null, profile: null, sessions: [{ id: session.id }], deletedMessages: [{ userId, role: 'user' }] });

  expect(await eraseUser(t.api, { userId })).toEqual({ sessions: 1, messages: 1, feedback: 0, user: false });
  const [left] = await t.sql`SELECT (SELECT count(*) FROM chat_sessions WHERE user_id = ${userId})::int AS sessions,
                                    (SELECT count(*) FROM deleted_messages WHERE user_id = ${userId})::int AS "deletedMessages"`;
  expect(left).toEqual({ sessions: 0, deletedMessages: 0 }); // with chat alone no foreign key cascades: eraseUser deletes the records itself
});

describe("an application's own users table beside the chat module (issue 10.3)", () => {
  // The library installed chat only; `users` is the application's, with columns of its own choosing.
  afterEach(() => t.sql`DROP TABLE IF EXISTS users`);

  test('eraseUser and exportUserData never touch it (uuid ids)', async () => {
    await t.sql`CREATE TABLE users (id uuid PRIMARY KEY, name text NOT NULL)`;
    const userId = randomUUID();
    await t.sql`INSERT INTO users (id, name) VALUES (${userId}, 'kept by the application')`;
    const session = await createSession(t.api, { userId });
    await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'hello' });

    const data = await exportUserData(t.api, { userId });
    expect(data).toMatchObject({ user: null, profile: null, sessions: [{ id: session.id }] });
    expect(await eraseUser(t.api, { userId })).toEqual({ sessions: 1, messages: 1, feedback: 0, user: false });
    const [own] = await t.sql`SELECT name FROM users WHERE id = ${userId}`;
    expect(own).toEqual({ name: 'kept by the application' });
  });

  test('an integer-keyed users table does not make eraseUser fail', async () => {
    await t.sql`CREATE TABLE users (id bigint PRIMARY KEY, email text)`;
    const userId = randomUUID();
    await createSession(t.api, { userId });
    expect(await eraseUser(t.api, { userId })).toEqual({ sessions: 1, messages: 0, feedback: 0, user: false });
  });
});
