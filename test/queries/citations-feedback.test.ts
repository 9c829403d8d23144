import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  addMessage,
  clearFeedback,
  createSession,
  feedbackSummary,
  getCitationsForMessage,
  listMessagesCitingDocument,
  setFeedback,
  topCitedDocuments,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

async function answer(userId: string, documents: string[], scores: number[] = []) {
  const session = await createSession(t.api, { userId });
  return addMessage(t.api, {
    sessionId: session.id,
    userId,
    role: 'assistant',
    content: 'answer',
    citations: documents.map((documentId, i) => ({ documentId, chunkId: `chunk-${i}`, citationIndex: i + 1, score: scores[i] })),
  });
}

describe('citations', () => {
  test('getCitationsForMessage: in citation_index order, one round trip, NotFound for another user', async () => {
    const userId = await insertUser(t.sql);
    const message = await answer(userId, ['a', 'b', 'c']);
    const { result, queries } = await t.countQueries(() => getCitationsForMessage(t.api, { messageId: message.id, userId }));
    expect(queries).toBe(1);
    expect(result.map((c) => [c.citationIndex, c.documentId])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    await expect(getCitationsForMessage(t.api, { messageId: message.id, userId: await insertUser(t.sql) })).rejects.toBeInstanceOf(NotFoundError);
  });

  test("listMessagesCitingDocument: the user's answers citing a document, newest first, in keyset pages", async () => {
    const userId = await insertUser(t.sql);
    const documentId = `doc-${randomUUID()}`;
    const citing: string[] = [];
    for (let i = 0; i < 5; i++) citing.push((await answer(userId, [documentId, 'other', documentId])).id);
    await answer(userId, ['other']);
    await answer(await insertUser(t.sql), [documentId]); // someone else's

    const first = await listMessagesCitingDocument(t.api, { userId, documentId, limit: 3 });
    const second = await listMessagesCitingDocument(t.api, { userId, documentId, limit: 3, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((m) => m.id)).toEqual(citing.reverse());
    expect(second.nextCursor).toBeNull();
    expect(first.items[0]!.citations.map((c) => c.citationIndex)).toEqual([1, 3]);

    const byChunk = await listMessagesCitingDocument(t.api, { userId, documentId, chunkId: 'chunk-2' });
    expect(byChunk.items[0]!.citations.map((c) => c.chunkId)).toEqual(['chunk-2']);
  });

  test('topCitedDocuments: counts, distinct answers and mean score in a window', async () => {
    const since = new Date();
    const userId = await insertUser(t.sql);
    const hot = `hot-${randomUUID()}`;
    await answer(userId, [hot, hot], [0.9, 0.7]);
    await answer(userId, [hot], [0.5]);
    const { result, queries } = await t.countQueries(() => topCitedDocuments(t.api, { since, limit: 1 }));
    expect(queries).toBe(1);
    expect(result).toEqual([{ documentId: hot, citations: 3, messages: 2, meanScore: expect.closeTo(0.7, 10) }]);
    expect(await topCitedDocuments(t.api, { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });
});

describe('feedback', () => {
  test('setFeedback upserts one row per user and message; clearFeedback removes it', async () => {
    const userId = await insertUser(t.sql);
    const message = await answer(userId, []);
    const { queries } = await t.countQueries(() => setFeedback(t.api, { messageId: message.id, userId, rating: 'up' }));
    expect(queries).toBe(1);
    const changed = await setFeedback(t.api, { messageId: message.id, userId, rating: 'down', reason: 'inaccurate', comment: 'wrong chapter' });
    expect(changed).toMatchObject({ rating: 'down', reason: 'inaccurate' });
    const rows = await t.sql`SELECT rating, reason, comment FROM message_feedback WHERE message_id = ${message.id}`;
    expect(rows).toEqual([{ rating: 'down', reason: 'inaccurate', comment: 'wrong chapter' }]);

    expect(await clearFeedback(t.api, { messageId: message.id, userId })).toBe(true);
    expect(await clearFeedback(t.api, { messageId: message.id, userId })).toBe(false);
    const [left] = await t.sql`SELECT count(*)::int AS n FROM message_feedback WHERE message_id = ${message.id}`;
    expect(left!.n).toBe(0);
  });

  test("another user cannot rate or clear a message they cannot see; a bad rating is a ValidationError", async () => {
    const owner = await insertUser(t.sql);
    const message = await answer(owner, []);
    const stranger = await insertUser(t.sql);
    await expect(setFeedback(t.api, { messageId: message.id, userId: stranger, rating: 'up' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(clearFeedback(t.api, { messageId: message.id, userId: stranger })).rejects.toBeInstanceOf(NotFoundError);
    await expect(setFeedback(t.api, { messageId: message.id, userId: owner, rating: 'meh' as 'up' })).rejects.toBeInstanceOf(ValidationError);
    const [rows] = await t.sql`SELECT count(*)::int AS n FROM message_feedback WHERE message_id = ${message.id}`;
    expect(rows!.n).toBe(0);
  });

  test('feedbackSummary: up, down and reasons in a window', async () => {
    const since = new Date();
    const userId = await insertUser(t.sql);
    for (const [rating, reason] of [['up', null], ['down', 'outdated'], ['down', 'outdated'], ['up', 'clear']] as const) {
      const message = await answer(userId, []);
      await setFeedback(t.api, { messageId: message.id, userId, rating, reason });
    }
    const { result, queries } = await t.countQueries(() => feedbackSummary(t.api, { since }));
    expect(queries).toBe(1);
    expect(result).toEqual({
      up: 2,
      down: 2,
      total: 4,
      reasons: [
        { reason: 'outdated', up: 0, down: 2 },
        { reason: 'clear', up: 1, down: 0 },
      ],
    });
  });
});
