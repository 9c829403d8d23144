/** The rls module: under withUser, raw SQL sees and writes only that user's chat rows; with no user, nothing. */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { getConversationWithCitations, withUser } from '../../src/queries/index.ts';
import { queryRows } from '../../src/queries/executor.ts';
import { useDatabase } from '../support/context.ts';
import { insertCitation, insertFeedback, insertMessage, insertSession } from '../support/factories.ts';

const t = useDatabase({ modules: ['chat', 'rls'] });

/** A user (an external id: the chat module alone) with a session, a cited answer and a rating. */
async function seedUser() {
  const userId = randomUUID();
  const sessionId = await insertSession(t.sql, userId);
  const messageId = await insertMessage(t.sql, sessionId, 'assistant');
  await insertCitation(t.sql, messageId, 1);
  await insertFeedback(t.sql, messageId, userId, 'up');
  return { userId, sessionId, messageId };
}

const visible = (tx: Parameters<Parameters<typeof withUser>[2]>[0]) =>
  queryRows<{ sessions: string[]; messages: string[]; citations: string[]; feedback: string[] }>(
    tx,
    sql`SELECT (SELECT coalesce(json_agg(user_id), '[]') FROM chat_sessions) AS sessions,
               (SELECT coalesce(json_agg(session_id), '[]') FROM messages) AS messages,
               (SELECT coalesce(json_agg(message_id), '[]') FROM message_citations) AS citations,
               (SELECT coalesce(json_agg(user_id), '[]') FROM message_feedback) AS feedback`,
    'session',
  );

describe('row-level security', () => {
  test("inside A's context, raw SQL sees only A's sessions, messages, citations and feedback", async () => {
    const a = await seedUser();
    await seedUser();
    const [rows] = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, visible);
    expect(rows).toEqual({ sessions: [a.userId], messages: [a.sessionId], citations: [a.messageId], feedback: [a.userId] });
  });

  test("writing into B's session, or rating B's message, is rejected inside A's context", async () => {
    const a = await seedUser();
    const b = await seedUser();
    const insertIntoB = withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
      queryRows(tx, sql`INSERT INTO messages (session_id, role, content) VALUES (${b.sessionId}, 'user', 'intrusion')`, 'message'),
    );
    await expect(insertIntoB).rejects.toMatchObject({ sqlState: '42501' });
    const rateB = withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
      queryRows(tx, sql`INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${b.messageId}, ${a.userId}, 'down')`, 'feedback'),
    );
    await expect(rateB).rejects.toMatchObject({ sqlState: '42501' });
    const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${b.sessionId}`;
    expect(count!.n).toBe(1);
  });

  test('outside any user context nothing is visible to the application role', async () => {
    await seedUser();
    const rows = await t.api.transaction(async (tx) => {
      await queryRows(tx, sql`SET LOCAL ROLE rag_chat_app`, 'session');
      return visible(tx);
    });
    expect(rows).toEqual([{ sessions: [], messages: [], citations: [], feedback: [] }]);
  });

  test('the helpers work unchanged inside withUser', async () => {
    const a = await seedUser();
    const conversation = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
      getConversationWithCitations(tx, { sessionId: a.sessionId, userId: a.userId }),
    );
    expect(conversation.messages[0]!.citations).toHaveLength(1);
  });

  test('withUser refuses a user id that is not a uuid before any SQL', async () => {
    await expect(withUser(t.api, { userId: "x' OR true --" }, async () => 1)).rejects.toBeInstanceOf(ValidationError);
  });
});
