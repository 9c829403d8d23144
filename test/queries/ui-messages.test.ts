/**
 * AI SDK conversations through saveUIMessages / loadUIMessages, on real
 * Postgres with the real `ai` package (its UIMessage types and
 * validateUIMessages). Writes are asserted with independent selects.
 */
import { type UIMessage, validateUIMessages } from 'ai';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import { addMessage, createSession, deleteMessagesAfter, getCitationsForMessage, loadUIMessages, saveUIMessages, searchMessages } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

async function userWithSession() {
  const userId = await insertUser(t.sql);
  const session = await createSession(t.api, { userId });
  return { userId, sessionId: session.id };
}

async function storedRows(sessionId: string) {
  return t.sql<{ id: string; client_id: string; role: string; content: string; status: string; seq: string }[]>`
    SELECT id, client_id, role, content, status, seq FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
}

async function storedCitations(messageId: string) {
  return t.sql<{ document_id: string; chunk_id: string | null; score: number | null; citation_index: number; title: string | null; url: string | null; snippet: string | null }[]>`
    SELECT document_id, chunk_id, score, citation_index, title, url, snippet FROM message_citations WHERE message_id = ${messageId} ORDER BY citation_index`;
}

/** A pasted PNG as a data URL: 120 KB of image, 160 KB of base64. */
const pastedImage = `data:image/png;base64,${Buffer.alloc(120 * 1024, 7).toString('base64')}`;

/** Every part type ai 7 defines, tool calls in each of their seven states. */
const everyPart: UIMessage[] = [
  { id: 'sys-1', role: 'system', parts: [{ type: 'text', text: 'You answer from the course book.' }] },
  {
    id: 'user-1',
    role: 'user',
    metadata: { createdAt: 1_790_000_000_000, locale: 'en' },
    parts: [
      { type: 'text', text: 'What does ROS 2 use for messaging? See my screenshot.' },
      { type: 'file', mediaType: 'image/png', filename: 'screenshot.png', url: pastedImage },
    ],
  },
  {
    id: 'assistant-1',
    role: 'assistant',
    metadata: { model: 'mock-model', usage: { totalTokens: 42 } },
    parts: [
      { type: 'step-start' },
      { type: 'reasoning', text: 'The reader asks about middleware.', state: 'done', providerMetadata: { openai: { itemId: 'rs_1' } } },
      { type: 'reasoning-file', mediaType: 'image/png', url: 'https://files.example/diagram.png' },
      { type: 'tool-searchBook', toolCallId: 'call-1', state: 'input-streaming', input: { query: 'ROS' } },
      { type: 'tool-searchBook', toolCallId: 'call-2', state: 'input-available', input: { query: 'ROS 2 DDS' }, providerExecuted: false },
      { type: 'tool-searchBook', toolCallId: 'call-3', state: 'approval-requested', input: { query: 'private notes' }, approval: { id: 'approval-1' } },
      { type: 'tool-searchBook', toolCallId: 'call-4', state: 'approval-responded', input: { query: 'chapter 2' }, approval: { id: 'approval-2', approved: true, reason: 'fine' } },
      { type: 'tool-searchBook', toolCallId: 'call-5', state: 'output-available', input: { query: 'DDS' }, output: { hits: [{ id: 'chunk_023', score: 0.89 }] } },
      { type: 'tool-searchBook', toolCallId: 'call-6', state: 'output-error', input: { query: 'x' }, errorText: 'index offline' },
      { type: 'tool-searchBook', toolCallId: 'call-7', state: 'output-denied', input: { query: 'y' }, approval: { id: 'approval-3', approved: false, reason: 'not allowed' } },
      { type: 'dynamic-tool', toolName: 'mcp_lookup', toolCallId: 'call-8', state: 'output-available', input: { term: 'DDS' }, output: 'Data Distribution Service' },
      { type: 'step-start' },
      {
        type: 'source-url',
        sourceId: 'src-1',
        url: 'https://docs.example/ros2#dds',
        title: 'ROS 2 basics',
        providerMetadata: { ragChatDb: { documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, snippet: 'ROS 2 uses DDS ...' } },
      },
      {
        type: 'source-document',
        sourceId: 'module-2-gazebo',
        mediaType: 'application/pdf',
        title: 'Gazebo guide',
        filename: 'gazebo.pdf',
        providerMetadata: { ragChatDb: { chunkId: 'chunk_045', score: -1.5 } },
      },
      { type: 'data-retrieval', id: 'retrieval-1', data: { query: 'DDS', took: 12, chunks: ['chunk_023', 'chunk_045'] } },
      { type: 'custom', kind: 'openai.compaction', providerMetadata: { openai: { summary: 'short' } } },
      {
        type: 'text',
        text: 'ROS 2 uses DDS [1].',
        state: 'done',
        citations: [{ source: { type: 'source', sourceType: 'url', id: 'src-1', url: 'https://docs.example/ros2#dds' }, startIndex: 15, endIndex: 18, citedText: 'DDS' }],
      },
      { type: 'text', text: 'Gazebo simulates it [2].' },
    ],
  },
];

describe('saveUIMessages and loadUIMessages', () => {
  test('types: ai\'s UIMessage (with typed tools, data and metadata) is accepted as it is, and loadUIMessages returns the type asked for', () => {
    type MyUIMessage = UIMessage<{ model: string }, { retrieval: { query: string } }, { searchBook: { input: { query: string }; output: string[] } }>;
    expectTypeOf<readonly MyUIMessage[]>().toExtend<Parameters<typeof saveUIMessages>[1]['messages']>();
    expectTypeOf<readonly UIMessage[]>().toExtend<Parameters<typeof saveUIMessages>[1]['messages']>();
    expectTypeOf<Awaited<ReturnType<typeof loadUIMessages<MyUIMessage>>>['messages']>().toEqualTypeOf<MyUIMessage[]>();
    // @ts-expect-error a message needs parts
    expectTypeOf<{ id: string; role: 'user' }[]>().toExtend<Parameters<typeof saveUIMessages>[1]['messages']>();
  });

  test('every part type round-trips deep-equal, in order, accepted by validateUIMessages; one query each', async () => {
    const { userId, sessionId } = await userWithSession();
    const { result: saved, queries: saveQueries } = await t.countQueries(() => saveUIMessages(t.api, { sessionId, userId, messages: everyPart }));
    expect(saveQueries).toBe(1);
    expect(saved.messages.map((m) => [m.clientId, m.inserted])).toEqual([['sys-1', true], ['user-1', true], ['assistant-1', true]]);

    const { result: loaded, queries: loadQueries } = await t.countQueries(() => loadUIMessages<UIMessage>(t.api, { sessionId, userId }));
    expect(loadQueries).toBe(1);
    expect(loaded.messages).toEqual(everyPart);
    expect(loaded.nextCursor).toBeNull();
    await expect(validateUIMessages({ messages: loaded.messages })).resolves.toEqual(everyPart);

    // Independently: the rows, their derived content and the citations the sources became.
    const rows = await storedRows(sessionId);
    expect(rows.map((r) => [r.client_id, r.role, r.status])).toEqual([['sys-1', 'system', 'complete'], ['user-1', 'user', 'complete'], ['assistant-1', 'assistant', 'complete']]);
    expect(rows[2]!.content).toBe('ROS 2 uses DDS [1].\n\nGazebo simulates it [2].');
    expect(rows[2]!.id).toBe(saved.messages[2]!.id);
    expect(await storedCitations(rows[2]!.id)).toEqual([
      { document_id: 'module-1-ros2', chunk_id: 'chunk_023', score: 0.89, citation_index: 1, title: 'ROS 2 basics', url: 'https://docs.example/ros2#dds', snippet: 'ROS 2 uses DDS ...' },
      { document_id: 'module-2-gazebo', chunk_id: 'chunk_045', score: -1.5, citation_index: 2, title: 'Gazebo guide', url: null, snippet: null },
    ]);
    // The library's own views see them: citations by message, search over the derived content.
    expect((await getCitationsForMessage(t.api, { messageId: rows[2]!.id, userId })).map((c) => c.documentId)).toEqual(['module-1-ros2', 'module-2-gazebo']);
    expect((await searchMessages(t.api, { userId, query: 'Gazebo simulates' })).map((hit) => hit.messageId)).toEqual([rows[2]!.id]);
  });

  test('the onEnd pattern: the whole history saved on each of five turns stores each message once, in order', async () => {
    const { userId, sessionId } = await userWithSession();
    const history: UIMessage[] = [];
    for (let turn = 1; turn <= 5; turn++) {
      history.push({ id: `u${turn}-${crypto.randomUUID().slice(0, 8)}`, role: 'user', parts: [{ type: 'text', text: `question ${turn}` }] });
      history.push({
        id: `a${turn}-${crypto.randomUUID().slice(0, 8)}`,
        role: 'assistant',
        parts: [{ type: 'step-start' }, { type: 'text', text: `answer ${turn}`, state: 'done' }],
      });
      const { result, queries } = await t.countQueries(() => saveUIMessages(t.api, { sessionId, userId, messages: history }));
      expect(queries).toBe(1);
      expect(result.messages.filter((m) => m.inserted)).toHaveLength(2);
    }
    // And once more, unchanged: nothing new, and no row rewritten (same row versions), yet every id returned.
    const versions = await t.sql`SELECT id, xmin::text AS version FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
    const again = await saveUIMessages(t.api, { sessionId, userId, messages: history });
    expect(again.messages.every((m) => !m.inserted)).toBe(true);
    expect(again.messages.map((m) => m.id)).toEqual(versions.map((v) => v.id));
    expect(await t.sql`SELECT id, xmin::text AS version FROM messages WHERE session_id = ${sessionId} ORDER BY seq`).toEqual(versions);

    const rows = await storedRows(sessionId);
    expect(rows.map((r) => r.client_id)).toEqual(history.map((m) => m.id));
    expect((await loadUIMessages(t.api, { sessionId, userId })).messages).toEqual(history);
    const [session] = await t.sql<{ last_message_at: Date }[]>`SELECT last_message_at FROM chat_sessions WHERE id = ${sessionId}`;
    const [newest] = await t.sql<{ created_at: Date }[]>`SELECT created_at FROM messages WHERE session_id = ${sessionId} ORDER BY seq DESC LIMIT 1`;
    expect(session!.last_message_at).toEqual(newest!.created_at);
  });

  test('a tool-approval continuation reusing the assistant id is updated in place, its citations replaced', async () => {
    const { userId, sessionId } = await userWithSession();
    const question: UIMessage = { id: 'q-1', role: 'user', parts: [{ type: 'text', text: 'Search my notes' }] };
    const asking: UIMessage = {
      id: 'answer-1',
      role: 'assistant',
      parts: [
        { type: 'source-url', sourceId: 'old-1', url: 'https://old.example/1', providerMetadata: { ragChatDb: { chunkId: 'c1', score: 0.4 } } },
        { type: 'source-url', sourceId: 'old-2', url: 'https://old.example/2' },
        { type: 'tool-searchNotes', toolCallId: 'call-1', state: 'approval-requested', input: { q: 'notes' }, approval: { id: 'ap-1' } },
      ],
    };
    const first = await saveUIMessages(t.api, { sessionId, userId, messages: [question, asking] });
    const [before] = await storedRows(sessionId).then((rows) => rows.filter((r) => r.client_id === 'answer-1'));
    expect(before!.content).toBe(''); // no text yet: valid
    expect(await storedCitations(before!.id)).toHaveLength(2);

    const answered: UIMessage = {
      id: 'answer-1',
      role: 'assistant',
      parts: [
        { type: 'tool-searchNotes', toolCallId: 'call-1', state: 'output-available', input: { q: 'notes' }, output: ['n1'], approval: { id: 'ap-1', approved: true } },
        { type: 'source-document', sourceId: 'notes-7', mediaType: 'text/markdown', title: 'My notes', providerMetadata: { ragChatDb: { documentId: 'notes', chunkId: 'n1', score: 0.95 } } },
        { type: 'text', text: 'Found it in your notes [1].' },
      ],
    };
    const second = await saveUIMessages(t.api, { sessionId, userId, messages: [question, answered], details: { 'answer-1': { status: 'complete', model: 'mock', inputTokens: 10, outputTokens: 5, totalTokens: 15, finishReason: 'stop', latencyMs: 321 } } });
    expect(second.messages.map((m) => m.inserted)).toEqual([false, false]);
    expect(second.messages[1]!.id).toBe(first.messages[1]!.id);

    const rows = await storedRows(sessionId);
    expect(rows.map((r) => r.client_id)).toEqual(['q-1', 'answer-1']);
    expect(rows[1]!.id).toBe(before!.id);
    expect(rows[1]!.seq).toBe(before!.seq);
    expect(rows[1]!.content).toBe('Found it in your notes [1].');
    expect(await storedCitations(before!.id)).toEqual([
      { document_id: 'notes', chunk_id: 'n1', score: 0.95, citation_index: 1, title: 'My notes', url: null, snippet: null },
    ]);
    const [usage] = await t.sql`SELECT model, input_tokens, output_tokens, total_tokens, finish_reason, latency_ms FROM messages WHERE id = ${before!.id}`;
    expect(usage).toEqual({ model: 'mock', input_tokens: 10, output_tokens: 5, total_tokens: 15, finish_reason: 'stop', latency_ms: 321 });
    // A later save of the history (no details) keeps the usage.
    await saveUIMessages(t.api, { sessionId, userId, messages: [question, answered] });
    const [kept] = await t.sql`SELECT total_tokens FROM messages WHERE id = ${before!.id}`;
    expect(kept!.total_tokens).toBe(15);
    expect((await loadUIMessages(t.api, { sessionId, userId })).messages).toEqual([question, answered]);
  });

  test('details: a status per message (aborted, streaming) is stored', async () => {
    const { userId, sessionId } = await userWithSession();
    await saveUIMessages(t.api, {
      sessionId,
      userId,
      messages: [{ id: 'partial', role: 'assistant', parts: [{ type: 'text', text: 'ROS 2 uses', state: 'streaming' }] }],
      details: { partial: { status: 'aborted' } },
    });
    const [row] = await storedRows(sessionId);
    expect([row!.status, row!.content]).toEqual(['aborted', 'ROS 2 uses']);
  });

  test("activeStreamId sets the session's resumable stream, null clears it, absent leaves it; a bad one or another user's session writes nothing", async () => {
    const { userId, sessionId } = await userWithSession();
    const activeStream = async () => (await t.sql<{ a: string | null }[]>`SELECT active_stream_id AS a FROM chat_sessions WHERE id = ${sessionId}`)[0]!.a;
    const question: UIMessage = { id: 'q1', role: 'user', parts: [{ type: 'text', text: 'What is DDS?' }] };
    await saveUIMessages(t.api, { sessionId, userId, messages: [question], activeStreamId: 'stream-1' });
    expect(await activeStream()).toBe('stream-1');
    await saveUIMessages(t.api, { sessionId, userId, messages: [question] });
    expect(await activeStream()).toBe('stream-1');

    for (const activeStreamId of ['', 'x'.repeat(201), 'a\u0000b']) {
      const error = await saveUIMessages(t.api, { sessionId, userId, messages: [{ ...question, id: 'q2' }], activeStreamId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toEqual(['activeStreamId']);
    }
    await expect(saveUIMessages(t.api, { sessionId, userId: (await insertUser(t.sql)), messages: [question], activeStreamId: null })).rejects.toBeInstanceOf(NotFoundError);
    expect(await activeStream()).toBe('stream-1');
    expect((await storedRows(sessionId)).map((row) => row.client_id)).toEqual(['q1']);

    await saveUIMessages(t.api, { sessionId, userId, messages: [question], activeStreamId: null });
    expect(await activeStream()).toBeNull();
  });

  test('keyset pages of a long history, newest first, each page oldest first', async () => {
    const { userId, sessionId } = await userWithSession();
    const history: UIMessage[] = Array.from({ length: 7 }, (_, i) => ({ id: `m${i}`, role: i % 2 ? 'assistant' : 'user', parts: [{ type: 'text', text: `message ${i}` }] }));
    await saveUIMessages(t.api, { sessionId, userId, messages: history });
    const first = await loadUIMessages(t.api, { sessionId, userId, limit: 3 });
    expect(first.messages.map((m) => m.id)).toEqual(['m4', 'm5', 'm6']);
    const second = await loadUIMessages(t.api, { sessionId, userId, limit: 3, before: first.nextCursor! });
    expect(second.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    const third = await loadUIMessages(t.api, { sessionId, userId, limit: 3, before: second.nextCursor! });
    expect(third).toEqual({ messages: [history[0]], nextCursor: null });
    const empty = await userWithSession();
    expect(await loadUIMessages(t.api, empty)).toEqual({ messages: [], nextCursor: null });
  });

  test('messages written by addMessage load as one text part (their id the client id) and validate', async () => {
    const { userId, sessionId } = await userWithSession();
    await addMessage(t.api, { sessionId, userId, role: 'user', content: 'hello', metadata: { source: 'import' } });
    const [row] = await storedRows(sessionId);
    const { messages } = await loadUIMessages(t.api, { sessionId, userId });
    expect(messages).toEqual([{ id: row!.client_id, role: 'user', metadata: { source: 'import' }, parts: [{ type: 'text', text: 'hello' }] }]);
    await expect(validateUIMessages({ messages })).resolves.toHaveLength(1);
  });

  test('two saves of the same new history at once store each message once', async () => {
    const { userId, sessionId } = await userWithSession();
    const history: UIMessage[] = [
      { id: 'race-q', role: 'user', parts: [{ type: 'text', text: 'q' }] },
      { id: 'race-a', role: 'assistant', parts: [{ type: 'source-url', sourceId: 'd', url: 'https://e.example' }, { type: 'text', text: 'a [1]' }] },
    ];
    const results = await Promise.all([1, 2, 3].map(() => saveUIMessages(t.api, { sessionId, userId, messages: history })));
    expect(results.flatMap((r) => r.messages.filter((m) => m.inserted))).toHaveLength(2);
    const rows = await storedRows(sessionId);
    expect(rows.map((r) => r.client_id)).toEqual(['race-q', 'race-a']);
    expect(await storedCitations(rows[1]!.id)).toHaveLength(1);
  });

  test('a save that waited on a concurrent save of the same messages returns their ids (the one case of a second round trip)', async () => {
    const { userId, sessionId } = await userWithSession();
    const history: UIMessage[] = [{ id: 'wait-q', role: 'user', parts: [{ type: 'text', text: 'q' }] }];
    let waiting: Promise<Awaited<ReturnType<typeof saveUIMessages>>> | undefined;
    const first = await t.api.transaction(async (tx) => {
      const saved = await saveUIMessages(tx as never, { sessionId, userId, messages: history });
      // Another connection saves the same message: it waits on this uncommitted row, then finds it unchanged.
      waiting = saveUIMessages(t.api, { sessionId, userId, messages: history });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return saved;
    });
    const second = await waiting!;
    expect(second.messages).toEqual([{ id: first.messages[0]!.id, clientId: 'wait-q', inserted: false }]);
    expect(await storedRows(sessionId)).toHaveLength(1);
  });

  test("another user's session is not found, and nothing is written", async () => {
    const { sessionId } = await userWithSession();
    const stranger = await insertUser(t.sql);
    await expect(saveUIMessages(t.api, { sessionId, userId: stranger, messages: everyPart })).rejects.toBeInstanceOf(NotFoundError);
    await expect(loadUIMessages(t.api, { sessionId, userId: stranger })).rejects.toBeInstanceOf(NotFoundError);
    expect(await storedRows(sessionId)).toEqual([]);
  });

  test('a message id already used in another session is another message there', async () => {
    const a = await userWithSession();
    const b = await userWithSession();
    const message: UIMessage = { id: 'same-id', role: 'user', parts: [{ type: 'text', text: 'hi' }] };
    await saveUIMessages(t.api, { ...a, messages: [message] });
    const saved = await saveUIMessages(t.api, { ...b, messages: [message] });
    expect(saved.messages[0]!.inserted).toBe(true);
    expect(await storedRows(a.sessionId)).toHaveLength(1);
  });

  test('deleteMessagesAfter by client id: regenerate from an AI SDK message id; ids of another session or user are not found', async () => {
    const { userId, sessionId } = await userWithSession();
    const history: UIMessage[] = ['u1', 'a1', 'u2', 'a2'].map((id) => ({ id, role: id.startsWith('u') ? 'user' : 'assistant', parts: [{ type: 'text', text: id }] }));
    await saveUIMessages(t.api, { sessionId, userId, messages: history });
    const { result, queries } = await t.countQueries(() => deleteMessagesAfter(t.api, { sessionId, userId, clientId: 'a1', keepMessage: true }));
    expect([result, queries]).toEqual([{ deleted: 2 }, 1]);
    expect((await storedRows(sessionId)).map((r) => r.client_id)).toEqual(['u1', 'a1']);
    expect(await deleteMessagesAfter(t.api, { sessionId, userId, clientId: 'a1' })).toEqual({ deleted: 1 });
    expect((await storedRows(sessionId)).map((r) => r.client_id)).toEqual(['u1']);

    const other = await userWithSession();
    await expect(deleteMessagesAfter(t.api, { sessionId: other.sessionId, userId, clientId: 'u1' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteMessagesAfter(t.api, { sessionId, userId: other.userId, clientId: 'u1' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteMessagesAfter(t.api, { sessionId, userId, clientId: 'missing' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await storedRows(sessionId)).map((r) => r.client_id)).toEqual(['u1']);
    // Exactly one way to name the message.
    await expect(deleteMessagesAfter(t.api, { userId, clientId: 'u1' })).rejects.toBeInstanceOf(ValidationError);
    await expect(deleteMessagesAfter(t.api, { userId, sessionId, clientId: 'u1', messageId: sessionId })).rejects.toBeInstanceOf(ValidationError);
    await expect(deleteMessagesAfter(t.api, { userId })).rejects.toBeInstanceOf(ValidationError);
  });

  describe('hostile or oversized input is refused before any SQL, nothing written', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    const cases: Record<string, { messages: unknown[]; details?: unknown; path: (string | number)[] }> = {
      'NUL in text': { messages: [{ id: 'x', role: 'user', parts: [{ type: 'text', text: 'a\u0000b' }] }], path: ['messages', 0, 'parts', 0, 'text'] },
      'a lone surrogate in a tool output': {
        messages: [{ id: 'x', role: 'assistant', parts: [{ type: 'tool-t', toolCallId: 'c', state: 'output-available', input: {}, output: { s: '\ud800' } }] }],
        path: ['messages', 0, 'parts', 0, 'output', 's'],
      },
      'a lone surrogate in a key': { messages: [{ id: 'x', role: 'user', parts: [{ type: 'data-x', data: { ['\udc00']: 1 } }] }], path: ['messages', 0, 'parts', 0, 'data'] },
      'data nested 100,000 deep': { messages: [{ id: 'x', role: 'assistant', parts: [{ type: 'data-deep', data: deep }] }], path: ['messages', 0, 'parts', 0, 'data'] },
      'NUL in the id': { messages: [{ id: 'a\u0000', role: 'user', parts: [] }], path: ['messages', 0, 'id'] },
      'an empty id': { messages: [{ id: '', role: 'user', parts: [] }], path: ['messages', 0, 'id'] },
      'a tool role': { messages: [{ id: 'x', role: 'tool', parts: [] }], path: ['messages', 0, 'role'] },
      'an unknown key on a message': { messages: [{ id: 'x', role: 'user', parts: [], content: 'old style' }], path: ['messages', 0] },
      'a tool part in no known state': { messages: [{ id: 'x', role: 'assistant', parts: [{ type: 'tool-t', toolCallId: 'c', state: 'done' }] }], path: ['messages', 0, 'parts', 0, 'state'] },
      'a text part without text': { messages: [{ id: 'x', role: 'user', parts: [{ type: 'text' }] }], path: ['messages', 0, 'parts', 0, 'text'] },
      'a part without a type': { messages: [{ id: 'x', role: 'user', parts: [{ text: 'hi' }] }], path: ['messages', 0, 'parts', 0, 'type'] },
      'a date in data': { messages: [{ id: 'x', role: 'user', parts: [{ type: 'data-when', data: { at: new Date() } }] }], path: ['messages', 0, 'parts', 0, 'data', 'at'] },
      'a 3 MB file': { messages: [{ id: 'x', role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${'A'.repeat(3_000_000)}` }] }], path: ['messages', 0, 'parts', 0] },
      'metadata that is not an object': { messages: [{ id: 'x', role: 'user', metadata: 'v1', parts: [] }], path: ['messages', 0, 'metadata'] },
      'a duplicate id': { messages: [{ id: 'x', role: 'user', parts: [] }, { id: 'x', role: 'user', parts: [] }], path: ['messages', 1, 'id'] },
      'a source whose score is not a number': {
        messages: [{ id: 'x', role: 'assistant', parts: [{ type: 'source-url', sourceId: 's', url: 'https://e.example', providerMetadata: { ragChatDb: { score: 'high' } } }] }],
        path: ['messages', 0, 'parts', 0, 'score'],
      },
      'details for a message not saved': { messages: [{ id: 'x', role: 'user', parts: [] }], details: { y: { status: 'complete' } }, path: ['details', 'y'] },
      'an unknown status': { messages: [{ id: 'x', role: 'user', parts: [] }], details: { x: { status: 'done' } }, path: ['details', 'x', 'status'] },
    };
    for (const [name, { messages, details, path }] of Object.entries(cases)) {
      test(name, async () => {
        const { userId, sessionId } = await userWithSession();
        const { result: error, queries } = await t.countQueries(() =>
          saveUIMessages(t.api, { sessionId, userId, messages: messages as UIMessage[], ...(details ? { details: details as never } : {}) }).catch((e: unknown) => e),
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect(queries).toBe(0);
        // The issue names where: the field, or (nesting) the point inside it where the depth bound was hit.
        expect((error as ValidationError).issues.map((issue) => issue.path.slice(0, path.length))).toContainEqual(path);
        expect(await storedRows(sessionId)).toEqual([]);
      });
    }
  });
});
