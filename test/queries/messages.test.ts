import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  addMessage,
  addMessages,
  countUserMessagesSince,
  createSession,
  deleteMessagesAfter,
  getConversationWithCitations,
  getMessage,
  listMessagesCitingDocument,
  mergeMessageMetadata,
  searchMessages,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

async function userWithSession() {
  const userId = await insertUser(t.sql);
  const session = await createSession(t.api, { userId });
  return { userId, sessionId: session.id };
}

const threeCitations = [
  { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2 basics', url: 'https://docs.example/ros2', snippet: 'DDS ...' },
  { documentId: 'module-2-gazebo', chunkId: 'chunk_045', score: 0.82, citationIndex: 2 },
  { documentId: 'module-1-ros2', chunkId: 'chunk_024', score: 0.61, citationIndex: 3 },
];

describe('addMessage', () => {
  test('one message with selected text and three citations, the session touched, in one round trip', async () => {
    const { userId, sessionId } = await userWithSession();
    const { result: message, queries } = await t.countQueries(() =>
      addMessage(t.api, { sessionId, userId, role: 'assistant', content: 'ROS 2 uses DDS.', selectedText: 'DDS', citations: threeCitations }),
    );
    expect(queries).toBe(1);
    expect(message.citations.map((c) => c.citationIndex)).toEqual([1, 2, 3]);

    const [stored] = await t.sql`SELECT role, content, selected_text FROM messages WHERE id = ${message.id}`;
    expect(stored).toEqual({ role: 'assistant', content: 'ROS 2 uses DDS.', selected_text: 'DDS' });
    const citations = await t.sql`SELECT document_id, chunk_id, score, citation_index, title FROM message_citations
                                  WHERE message_id = ${message.id} ORDER BY citation_index`;
    expect(citations).toEqual([
      { document_id: 'module-1-ros2', chunk_id: 'chunk_023', score: 0.89, citation_index: 1, title: 'ROS 2 basics' },
      { document_id: 'module-2-gazebo', chunk_id: 'chunk_045', score: 0.82, citation_index: 2, title: null },
      { document_id: 'module-1-ros2', chunk_id: 'chunk_024', score: 0.61, citation_index: 3, title: null },
    ]);
    const [session] = await t.sql`SELECT last_message_at, updated_at >= created_at AS touched FROM chat_sessions WHERE id = ${sessionId}`;
    expect(session!.last_message_at.getTime()).toBe(message.createdAt.getTime());
    expect(session!.touched).toBe(true);
  });

  test("into another user's session: NotFound, nothing written", async () => {
    const { sessionId } = await userWithSession();
    const stranger = await insertUser(t.sql);
    await expect(
      addMessage(t.api, { sessionId, userId: stranger, role: 'user', content: 'hi', citations: threeCitations }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const [row] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
    expect(row!.n).toBe(0);
  });

  test.each([
    ['two citations with one number', { citations: [threeCitations[0], { ...threeCitations[1], citationIndex: 1 }] }],
    ['citation number 0', { citations: [{ ...threeCitations[0], citationIndex: 0 }] }],
    ['a NaN score', { citations: [{ ...threeCitations[0], score: Number.NaN }] }],
    ['an infinite score', { citations: [{ ...threeCitations[0], score: Number.POSITIVE_INFINITY }] }],
    ['empty content', { content: '' }],
    ['a NUL in the content', { content: 'a\u0000b' }],
    ['a lone surrogate in selected text', { selectedText: 'x\udc00' }],
    ['an unknown role', { role: 'bot' }],
    ['metadata that is an array', { metadata: [1] }],
    ['metadata nested 40 deep', { metadata: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }],
    ['content over the limit', { content: 'x'.repeat(100_001) }],
  ])('%s: ValidationError, nothing written', async (_name, change) => {
    const { userId, sessionId } = await userWithSession();
    const error = await addMessage(t.api, { sessionId, userId, role: 'user', content: 'ok', ...change } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.length).toBeGreaterThan(0);
    const [row] = await t.sql`SELECT (SELECT count(*) FROM messages WHERE session_id = ${sessionId})::int AS m,
                                     (SELECT count(*) FROM message_citations c JOIN messages m ON m.id = c.message_id WHERE m.session_id = ${sessionId})::int AS c`;
    expect(row).toEqual({ m: 0, c: 0 });
  });
});

describe('addMessages', () => {
  test('a bulk import past 65,535 bind parameters: every row, in order, in one transaction', { timeout: 60_000 }, async () => {
    const { userId, sessionId } = await userWithSession();
    // As naive multi-row VALUES this would be 5,000 * 6 + 5,000 * 2 * 8 = 110,000 parameters.
    const messages = Array.from({ length: 5_000 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `message ${i}`,
      citations: i % 2 === 1 ? [{ documentId: `doc-${i}`, citationIndex: 1 }, { documentId: 'doc-x', citationIndex: 2, score: i / 10 }] : [],
    }));
    const { result, queries } = await t.countQueries(() => addMessages(t.api, { sessionId, userId, messages }));
    expect(result.ids).toHaveLength(5_000);
    expect(queries).toBe(3 + 2); // BEGIN, one statement per 2,000-message chunk, COMMIT

    const stored = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
    expect(stored.map((row) => row.content)).toEqual(messages.map((m) => m.content));
    const [citations] = await t.sql`SELECT count(*)::int AS n FROM message_citations c JOIN messages m ON m.id = c.message_id WHERE m.session_id = ${sessionId}`;
    expect(citations!.n).toBe(5_000);
    const [session] = await t.sql`SELECT last_message_at = (SELECT max(created_at) FROM messages WHERE session_id = ${sessionId}) AS latest FROM chat_sessions WHERE id = ${sessionId}`;
    expect(session!.latest).toBe(true);
  });

  test('keeps given created_at times, and writes nothing when one message is bad', async () => {
    const { userId, sessionId } = await userWithSession();
    await addMessages(t.api, {
      sessionId,
      userId,
      messages: [
        { role: 'user', content: 'then', createdAt: '2025-01-01T10:00:00.000Z' },
        { role: 'assistant', content: 'now', createdAt: new Date('2025-01-01T10:00:05Z') },
      ],
    });
    const rows = await t.sql`SELECT content, created_at FROM messages WHERE session_id = ${sessionId} ORDER BY created_at`;
    expect(rows.map((row) => [row.content, row.created_at.toISOString()])).toEqual([
      ['then', '2025-01-01T10:00:00.000Z'],
      ['now', '2025-01-01T10:00:05.000Z'],
    ]);
    await expect(
      addMessages(t.api, { sessionId, userId, messages: [{ role: 'user', content: 'fine' }, { role: 'user', content: '' }] }),
    ).rejects.toBeInstanceOf(ValidationError);
    const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
    expect(count!.n).toBe(2);
  });
});

describe('getMessage, mergeMessageMetadata, deleteMessagesAfter', () => {
  test('getMessage returns the message with its citations; another user gets NotFound', async () => {
    const { userId, sessionId } = await userWithSession();
    const added = await addMessage(t.api, { sessionId, userId, role: 'assistant', content: 'a', citations: threeCitations });
    const { result, queries } = await t.countQueries(() => getMessage(t.api, { messageId: added.id, userId }));
    expect(queries).toBe(1);
    expect(result).toEqual(added);
    await expect(getMessage(t.api, { messageId: added.id, userId: await insertUser(t.sql) })).rejects.toBeInstanceOf(NotFoundError);
  });

  test("mergeMessageMetadata is the seed's jsonb ||, with null removing a key", async () => {
    const { userId, sessionId } = await userWithSession();
    const added = await addMessage(t.api, { sessionId, userId, role: 'assistant', content: 'a', metadata: { model: 'x', draft: true } });
    await mergeMessageMetadata(t.api, { messageId: added.id, userId, metadata: { translated_to: 'ur', tokens: 1250, draft: null } });
    const [row] = await t.sql`SELECT metadata FROM messages WHERE id = ${added.id}`;
    expect(row!.metadata).toEqual({ model: 'x', translated_to: 'ur', tokens: 1250 });
  });

  test('deleteMessagesAfter removes the message and all later ones with their citations, and resets last_message_at', async () => {
    const { userId, sessionId } = await userWithSession();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await addMessage(t.api, { sessionId, userId, role: i % 2 ? 'assistant' : 'user', content: `m${i}`, citations: i % 2 ? threeCitations : [] })).id);
    }
    const { result, queries } = await t.countQueries(() => deleteMessagesAfter(t.api, { messageId: ids[2]!, userId }));
    expect(queries).toBe(1);
    expect(result).toEqual({ deleted: 4 });

    const left = await t.sql`SELECT id FROM messages WHERE session_id = ${sessionId} ORDER BY created_at`;
    expect(left.map((row) => row.id)).toEqual(ids.slice(0, 2));
    const [orphans] = await t.sql`SELECT count(*)::int AS n FROM message_citations WHERE message_id = ANY(${ids.slice(2)}::uuid[])`;
    expect(orphans!.n).toBe(0);
    const [session] = await t.sql`SELECT last_message_at = (SELECT created_at FROM messages WHERE id = ${ids[1]!}) AS reset FROM chat_sessions WHERE id = ${sessionId}`;
    expect(session!.reset).toBe(true);

    expect(await deleteMessagesAfter(t.api, { messageId: ids[0]!, userId, keepMessage: true })).toEqual({ deleted: 1 });
    await expect(deleteMessagesAfter(t.api, { messageId: ids[0]!, userId: await insertUser(t.sql) })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('write order, whatever the timestamps', () => {
  test('20 imported messages sharing one created_at come back in import order, and an edit deletes exactly the later ones', async () => {
    const { userId, sessionId } = await userWithSession();
    const { ids } = await addMessages(t.api, {
      sessionId,
      userId,
      messages: Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: `m${i}`, createdAt: '2025-01-01T10:00:00Z' })),
    });
    const { messages } = await getConversationWithCitations(t.api, { sessionId, userId });
    expect(messages.map((m) => m.content)).toEqual(ids.map((_, i) => `m${i}`));

    expect(await deleteMessagesAfter(t.api, { messageId: ids[10]!, userId })).toEqual({ deleted: 10 });
    const left = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId}`;
    expect(left.map((row) => row.content).sort()).toEqual(ids.slice(0, 10).map((_, i) => `m${i}`).sort());
    expect(await deleteMessagesAfter(t.api, { messageId: ids[4]!, userId, keepMessage: true })).toEqual({ deleted: 5 });
    const kept = await t.sql`SELECT content FROM messages WHERE session_id = ${sessionId}`;
    expect(kept.map((row) => row.content).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  test('a question and its answer stamped alike by raw SQL: question first, in every session', async () => {
    const userId = await insertUser(t.sql);
    for (let i = 0; i < 20; i++) {
      const { id: sessionId } = await createSession(t.api, { userId });
      await t.sql`INSERT INTO messages (session_id, role, content, created_at) VALUES (${sessionId}, 'user', 'question', '2025-01-01T10:00:00Z')`;
      await t.sql`INSERT INTO messages (session_id, role, content, created_at) VALUES (${sessionId}, 'assistant', 'answer', '2025-01-01T10:00:00Z')`;
      const { messages } = await getConversationWithCitations(t.api, { sessionId, userId });
      expect(messages.map((m) => m.content)).toEqual(['question', 'answer']);
    }
  });

  test('searchMessages and listMessagesCitingDocument break ties by write order, newest first', async () => {
    const { userId, sessionId } = await userWithSession();
    const { ids } = await addMessages(t.api, {
      sessionId,
      userId,
      messages: Array.from({ length: 10 }, (_, i) => ({ role: 'assistant' as const, content: `gazebo answer ${i}`, createdAt: '2025-01-01T10:00:00Z', citations: [{ documentId: 'tied', citationIndex: 1 }] })),
    });
    const hits = await searchMessages(t.api, { userId, query: 'gazebo' });
    expect(hits.map((hit) => hit.messageId)).toEqual([...ids].reverse());
    const citing: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listMessagesCitingDocument(t.api, { userId, documentId: 'tied', limit: 3, cursor });
      citing.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(citing).toEqual([...ids].reverse());
  });
});

describe('countUserMessagesSince and searchMessages', () => {
  test('counts the user’s own messages since a moment, across sessions', async () => {
    const { userId, sessionId } = await userWithSession();
    const other = await createSession(t.api, { userId });
    const since = new Date();
    for (const [id, role] of [[sessionId, 'user'], [sessionId, 'assistant'], [other.id, 'user']] as const) {
      await addMessage(t.api, { sessionId: id, userId, role, content: 'x' });
    }
    const { result, queries } = await t.countQueries(() => countUserMessagesSince(t.api, { userId, since }));
    expect(queries).toBe(1);
    expect(result).toBe(2);
    expect(await countUserMessagesSince(t.api, { userId, since: new Date(Date.now() + 60_000) })).toBe(0);
  });

  test('ranked full-text search over the user’s history only, with highlighted snippets', async () => {
    const { userId, sessionId } = await userWithSession();
    await addMessage(t.api, { sessionId, userId, role: 'user', content: 'How do ROS 2 nodes communicate over DDS?' });
    await addMessage(t.api, { sessionId, userId, role: 'assistant', content: 'Nodes communicate through topics. Topics carry messages between nodes; nodes subscribe.' });
    await addMessage(t.api, { sessionId, userId, role: 'user', content: 'What is Gazebo?' });
    const stranger = await userWithSession();
    await addMessage(t.api, { ...stranger, role: 'user', content: 'nodes nodes nodes communicate' });

    const { result: hits, queries } = await t.countQueries(() => searchMessages(t.api, { userId, query: 'communicating node' }));
    expect(queries).toBe(1);
    expect(hits).toHaveLength(2);
    expect(hits[0]!.snippet).toContain('**Nodes**');
    expect(hits.every((hit) => hit.sessionId === sessionId)).toBe(true);
    expect(hits[0]!.rank).toBeGreaterThanOrEqual(hits[1]!.rank);

    const custom = await searchMessages(t.api, { userId, query: 'gazebo', highlight: ['<mark>', '</mark>'] });
    expect(custom[0]!.snippet).toBe('What is <mark>Gazebo</mark>');
  });

  test.each(["nodes & !dds | ros:*", "'); DROP TABLE messages; --", '(((', 'the a of'])('search input %j is plain words, never syntax', async (query) => {
    const { userId, sessionId } = await userWithSession();
    await addMessage(t.api, { sessionId, userId, role: 'user', content: 'nodes and dds and ros' });
    await expect(searchMessages(t.api, { userId, query })).resolves.toBeInstanceOf(Array);
    const [table] = await t.sql`SELECT to_regclass('messages') IS NOT NULL AS present`;
    expect(table!.present).toBe(true);
  });
});

test('an id that is not a uuid is a ValidationError, not a database error', async () => {
  await expect(getMessage(t.api, { messageId: 'm-1', userId: randomUUID() })).rejects.toBeInstanceOf(ValidationError);
});
