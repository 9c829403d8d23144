/** Concurrent writers through a pool: nothing lost, nothing doubled, no lost update. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import { addMessage, createSession, getConversationWithCitations, mergeSessionMetadata, setFeedback } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();
let pool: PostgresDatabase;
beforeAll(() => {
  pool = createDb({ url: t.url, max: 10 });
});
afterAll(() => closeDb(pool));

test('200 concurrent addMessage calls across 20 sessions through a pool of 10: each stored once, sessions consistent, in write order', async () => {
  const userId = await insertUser(t.sql);
  const sessions = await Promise.all(Array.from({ length: 20 }, () => createSession(pool, { userId })));
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      addMessage(pool, {
        sessionId: sessions[i % 20]!.id,
        userId,
        role: i % 2 ? 'assistant' : 'user',
        content: `message ${i}`,
        citations: i % 2 ? [{ documentId: `doc-${i}`, citationIndex: 1 }, { documentId: 'shared', citationIndex: 2 }] : [],
      }),
    ),
  );
  expect(new Set(results.map((message) => message.id)).size).toBe(200);

  const ids = sessions.map((session) => session.id);
  const [counts] = await t.sql`
    SELECT count(*)::int AS messages, count(DISTINCT content)::int AS distinct_contents,
           (SELECT count(*)::int FROM message_citations c JOIN messages m ON m.id = c.message_id WHERE m.session_id = ANY(${ids}::uuid[])) AS citations
    FROM messages WHERE session_id = ANY(${ids}::uuid[])`;
  expect(counts).toEqual({ messages: 200, distinct_contents: 200, citations: 200 });

  const mismatched = await t.sql`
    SELECT s.id FROM chat_sessions s
    WHERE s.id = ANY(${ids}::uuid[])
      AND s.last_message_at IS DISTINCT FROM (SELECT max(created_at) FROM messages m WHERE m.session_id = s.id)`;
  expect(mismatched).toEqual([]);

  for (const session of sessions.slice(0, 5)) {
    const first = await getConversationWithCitations(pool, { sessionId: session.id, userId });
    const again = await getConversationWithCitations(pool, { sessionId: session.id, userId });
    const bySql = await t.sql`SELECT id FROM messages WHERE session_id = ${session.id} ORDER BY seq`;
    expect(first.messages.map((m) => m.id)).toEqual(bySql.map((row) => row.id));
    expect(again.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
  }
});

test('50 concurrent mergeSessionMetadata calls, each adding its own key: all 50 keys present', async () => {
  const userId = await insertUser(t.sql);
  const session = await createSession(pool, { userId, metadata: { seed: true } });
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => mergeSessionMetadata(pool, { sessionId: session.id, userId, metadata: { [`key${i}`]: i } })),
  );
  const [row] = await t.sql`SELECT metadata FROM chat_sessions WHERE id = ${session.id}`;
  expect(Object.keys(row!.metadata).sort()).toEqual(['seed', ...Array.from({ length: 50 }, (_, i) => `key${i}`)].sort());
});

test('50 concurrent setFeedback calls for one user and message: exactly one row', async () => {
  const userId = await insertUser(t.sql);
  const session = await createSession(pool, { userId });
  const message = await addMessage(pool, { sessionId: session.id, userId, role: 'assistant', content: 'answer' });
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => setFeedback(pool, { messageId: message.id, userId, rating: i % 2 ? 'up' : 'down', reason: `r${i}` })),
  );
  const rows = await t.sql`SELECT rating FROM message_feedback WHERE message_id = ${message.id}`;
  expect(rows).toHaveLength(1);
});
