import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import { addMessage, createSession, getConversationWithCitations, setFeedback } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

describe('getConversationWithCitations', () => {
  test('the session and its messages in order, each with its citations and the viewer’s feedback, in one round trip', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId, title: 'ROS 2' });
    const question = await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'What does this mean?', selectedText: 'ROS 2 uses DDS for communication' });
    const answer = await addMessage(t.api, {
      sessionId: session.id,
      userId,
      role: 'assistant',
      content: 'DDS is the middleware.',
      citations: [
        { documentId: 'module-2-gazebo', chunkId: 'chunk_045', score: 0.82, citationIndex: 2 },
        { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1, title: 'ROS 2', url: 'https://docs.example/ros2', snippet: 'DDS...' },
      ],
    });
    await setFeedback(t.api, { messageId: answer.id, userId, rating: 'up', reason: 'accurate' });

    const { result, queries } = await t.countQueries(() => getConversationWithCitations(t.api, { sessionId: session.id, userId }));
    expect(queries).toBe(1);
    expect(result.session).toMatchObject({ id: session.id, title: 'ROS 2', lastMessageAt: answer.createdAt });
    expect(result.messages.map((m) => m.id)).toEqual([question.id, answer.id]);
    expect(result.messages[0]).toMatchObject({ selectedText: 'ROS 2 uses DDS for communication', citations: [], feedback: null });
    expect(result.messages[1]!.citations.map((c) => [c.citationIndex, c.documentId, c.title])).toEqual([
      [1, 'module-1-ros2', 'ROS 2'],
      [2, 'module-2-gazebo', null],
    ]);
    expect(result.messages[1]!.citations[0]).toMatchObject({ url: 'https://docs.example/ros2', snippet: 'DDS...', score: 0.89 });
    expect(result.messages[1]!.feedback).toMatchObject({ rating: 'up', reason: 'accurate', userId });
    expect(result.messages[1]!.createdAt).toBeInstanceOf(Date);
    expect(result.nextCursor).toBeNull();
  });

  test('pages backwards through 1,000 messages sharing a handful of timestamps: write order, none skipped or repeated', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    await t.sql`
      INSERT INTO messages (session_id, role, content, created_at)
      SELECT ${session.id}, 'user', 'm' || i, timestamptz '2026-01-01 00:00:00.000001+00' + (i / 200) * interval '1 second'
      FROM generate_series(1, 1000) AS i`;
    const expected = await t.sql`SELECT id FROM messages WHERE session_id = ${session.id} ORDER BY seq`;

    const pages: string[][] = [];
    let before: string | undefined;
    do {
      const { result, queries } = await t.countQueries(() => getConversationWithCitations(t.api, { sessionId: session.id, userId, limit: 64, before }));
      expect(queries).toBe(1);
      pages.unshift(result.messages.map((m) => m.id));
      before = result.nextCursor ?? undefined;
    } while (before);

    expect(pages.flat()).toEqual(expected.map((row) => row.id));
    expect(pages).toHaveLength(Math.ceil(1000 / 64));
  });

  test('a session without messages: the session, no messages, no cursor', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId, title: 'empty' });
    const result = await getConversationWithCitations(t.api, { sessionId: session.id, userId });
    expect(result).toEqual({ session, messages: [], nextCursor: null });
  });

  test("another user's session is NotFound; a forged cursor is a ValidationError", async () => {
    const owner = await insertUser(t.sql);
    const session = await createSession(t.api, { userId: owner });
    await expect(getConversationWithCitations(t.api, { sessionId: session.id, userId: await insertUser(t.sql) })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getConversationWithCitations(t.api, { sessionId: session.id, userId: owner, before: 'bm9wZQ' })).rejects.toBeInstanceOf(ValidationError);
  });

  test('only the viewer’s own feedback is shown', async () => {
    const owner = await insertUser(t.sql);
    const session = await createSession(t.api, { userId: owner });
    const answer = await addMessage(t.api, { sessionId: session.id, userId: owner, role: 'assistant', content: 'a' });
    const other = await insertUser(t.sql);
    await t.sql`INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${answer.id}, ${other}, 'down')`;
    const { messages } = await getConversationWithCitations(t.api, { sessionId: session.id, userId: owner });
    expect(messages[0]!.feedback).toBeNull();
  });
});
