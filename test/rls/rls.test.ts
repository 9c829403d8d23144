/** The rls module: under withUser, raw SQL sees and writes only that user's chat rows; with no user, nothing. */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { chatSessions, messageFeedback, messages } from '../../src/schema/index.ts';
import { addMessage, addMessages, getConversationWithCitations, withUser } from '../../src/queries/index.ts';
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

  test("writing into B's session, reusing B's session id, or rating B's message inside A's context: not found, as for a missing row", async () => {
    const a = await seedUser();
    const b = await seedUser();
    const asA = <T>(fn: (tx: Parameters<Parameters<typeof withUser>[2]>[0]) => Promise<T>) =>
      withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, fn);
    const missing = { code: 'NOT_FOUND' };
    await expect(asA((tx) => tx.insert(messages).values({ sessionId: b.sessionId, role: 'user', content: 'intrusion' }))).rejects.toMatchObject(missing);
    await expect(asA((tx) => tx.insert(chatSessions).values({ id: b.sessionId, userId: a.userId }))).rejects.toMatchObject(missing);
    await expect(asA((tx) => tx.insert(messageFeedback).values({ messageId: b.messageId, userId: a.userId, rating: 'down' }))).rejects.toMatchObject(missing);
    // What a missing session answers, for comparison: the same.
    await expect(asA((tx) => tx.insert(messages).values({ sessionId: randomUUID(), role: 'user', content: 'nowhere' }))).rejects.toMatchObject(missing);
    const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${b.sessionId}`;
    expect(count!.n).toBe(1);
  });

  test('withUser inside withUser: the inner block acts as its user, then the outer block is its own user again', async () => {
    const a = await seedUser();
    const b = await seedUser();
    const [before, inner, after] = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, async (tx) => {
      const before = await visible(tx);
      const inner = await withUser(tx, { userId: b.userId }, visible);
      return [before, inner, await visible(tx)];
    });
    expect(before[0]!.sessions).toEqual([a.userId]);
    expect(inner[0]!.sessions).toEqual([b.userId]);
    expect(after[0]!.sessions).toEqual([a.userId]);
  });

  test('an error thrown by the application inside withUser reaches it unchanged; a failed inner withUser leaves the outer user', async () => {
    const a = await seedUser();
    const b = await seedUser();
    class AppError extends Error {}
    const thrown = new AppError('the application changed its mind');
    await expect(withUser(t.api, { userId: a.userId }, async () => { throw thrown; })).rejects.toBe(thrown);
    const after = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, async (tx) => {
      await withUser(tx, { userId: b.userId }, async () => { throw thrown; }).catch(() => {});
      return visible(tx);
    });
    expect(after[0]!.sessions).toEqual([a.userId]);
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

  test('addMessage and addMessages with citations inside withUser: stored, with their citations (the message first, then its citations)', async () => {
    const a = await seedUser();
    const citations = [{ documentId: 'doc', chunkId: 'c1', score: 0.9, citationIndex: 1 }, { documentId: 'doc', chunkId: 'c2', score: 0.8, citationIndex: 2 }];
    const added = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
      addMessage(tx, { sessionId: a.sessionId, userId: a.userId, role: 'assistant', content: 'cited [1][2]', citations }),
    );
    expect(added.citations.map((citation) => citation.chunkId)).toEqual(['c1', 'c2']);
    expect(added.citations.every((citation) => citation.messageId === added.id && citation.createdAt instanceof Date)).toBe(true);
    const imported = await withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
      addMessages(tx, { sessionId: a.sessionId, userId: a.userId, messages: [{ role: 'assistant', content: 'imported [1]', citations: citations.slice(0, 1) }] }),
    );
    expect(await t.sql`SELECT chunk_id FROM message_citations WHERE message_id = ${added.id} ORDER BY citation_index`).toEqual([{ chunk_id: 'c1' }, { chunk_id: 'c2' }]);
    expect(await t.sql`SELECT chunk_id FROM message_citations WHERE message_id = ${imported.ids[0]!}`).toEqual([{ chunk_id: 'c1' }]);
    // Another user's session: not found, nothing written.
    const b = await seedUser();
    await expect(
      withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, (tx) =>
        addMessage(tx, { sessionId: b.sessionId, userId: b.userId, role: 'assistant', content: 'x', citations }),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('withUser costs BEGIN and one statement before fn, COMMIT after; nested, one statement more', async () => {
    const a = await seedUser();
    const outer = await t.countQueries(() => withUser(t.api, { userId: a.userId, role: 'rag_chat_app' }, async () => 1));
    expect(outer.queries).toBe(3);
    const nested = await t.countQueries(() =>
      withUser(t.api, { userId: a.userId }, (tx) => withUser(tx, { userId: a.userId, role: 'rag_chat_app' }, async () => 1)),
    );
    expect(nested.queries).toBe(3 + 3); // SAVEPOINT, the setting, restoring the outer one (postgres.js sends no RELEASE)
  });

  test('withUser refuses a user id that is not a uuid before any SQL', async () => {
    await expect(withUser(t.api, { userId: "x' OR true --" }, async () => 1)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('row-level security and AI SDK conversations', () => {
  const answer = (documentId?: string) => ({
    id: 'ui-answer',
    role: 'assistant' as const,
    parts: [
      ...(documentId ? [{ type: 'source-url', sourceId: 's', url: 'https://docs.example', providerMetadata: { ragChatDb: { documentId } } }] : []),
      { type: 'text', text: 'cited [1]' },
    ],
  });
  const as = (userId: string) => <T>(fn: (tx: Parameters<Parameters<typeof withUser>[2]>[0]) => Promise<T>) => withUser(t.api, { userId, role: 'rag_chat_app' }, fn);

  test("saveUIMessages and loadUIMessages work as rag_chat_app inside the user's context (insert, update in place with citations replaced); another user's session is not found", async () => {
    const { saveUIMessages, loadUIMessages } = await import('../../src/queries/index.ts');
    const a = await seedUser();
    const b = await seedUser();
    const asA = as(a.userId);
    await asA((tx) => saveUIMessages(tx, { sessionId: a.sessionId, userId: a.userId, messages: [answer()] }));
    await asA((tx) => saveUIMessages(tx, { sessionId: a.sessionId, userId: a.userId, messages: [answer('first')] }));
    const saved = await asA((tx) => saveUIMessages(tx, { sessionId: a.sessionId, userId: a.userId, messages: [answer('second')] }));
    expect(saved.messages[0]!.inserted).toBe(false);
    expect(await t.sql`SELECT document_id FROM message_citations WHERE message_id = ${saved.messages[0]!.id}`).toEqual([{ document_id: 'second' }]);
    const loaded = await asA((tx) => loadUIMessages(tx, { sessionId: a.sessionId, userId: a.userId }));
    expect(loaded.messages.at(-1)).toEqual(answer('second'));
    await expect(asA((tx) => saveUIMessages(tx, { sessionId: b.sessionId, userId: a.userId, messages: [answer()] }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Even naming B as the user: B's session is invisible in A's context.
    await expect(asA((tx) => saveUIMessages(tx, { sessionId: b.sessionId, userId: b.userId, messages: [answer()] }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asA((tx) => loadUIMessages(tx, { sessionId: b.sessionId, userId: b.userId }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${b.sessionId} AND client_id = 'ui-answer'`).toEqual([{ n: 0 }]);
  });

  // message_citations' policy looks the message up, and a message inserted by the same statement is not visible to it:
  // inside withUser the citations go in a statement of their own (this failed with 42501, reported as not found).
  test('a new message with sources, saved under rls (the messages, then their citations)', async () => {
    const { saveUIMessages } = await import('../../src/queries/index.ts');
    const a = await seedUser();
    await as(a.userId)((tx) => saveUIMessages(tx, { sessionId: a.sessionId, userId: a.userId, messages: [answer('first')] }));
  });
});
