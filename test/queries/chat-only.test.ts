/** With the chat module alone, the helpers work on user ids from an external auth provider. */
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { addMessage, createSession, eraseUser, exportUserData, getConversationWithCitations } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';

const t = useDatabase({ modules: ['chat'] });

test('sessions, messages, export and erasure for an external user id', async () => {
  const userId = randomUUID(); // e.g. a Clerk or Auth0 user, mapped to a uuid
  const session = await createSession(t.api, { userId, title: 'external' });
  await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'hello' });
  expect((await getConversationWithCitations(t.api, { sessionId: session.id, userId })).messages).toHaveLength(1);

  const data = await exportUserData(t.api, { userId });
  expect(data).toMatchObject({ user: null, profile: null, sessions: [{ id: session.id }] });

  expect(await eraseUser(t.api, { userId })).toEqual({ sessions: 1, messages: 1, feedback: 0, user: false });
  const [left] = await t.sql`SELECT count(*)::int AS n FROM chat_sessions WHERE user_id = ${userId}`;
  expect(left!.n).toBe(0);
});
