/**
 * The example's AI SDK chat route, end to end: a real server over a real database, requests as
 * useChat sends them, the streamed answer read with the AI SDK's own reader (what useChat does),
 * then the conversation loaded back with loadUIMessages.
 */
import { randomUUID } from 'node:crypto';
import { generateId, parseJsonEventStream, simulateReadableStream, readUIMessageStream, type UIMessage, type UIMessageChunk, uiMessageChunkSchema, validateUIMessages } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { expect, test, vi } from 'vitest';
// @ts-expect-error: the example is plain JavaScript, as a newcomer would copy it
import { inMemoryStreams } from '../../examples/rag-api/streams.mjs';
import { getCitationsForMessage, loadUIMessages } from '../../src/index.ts';
import { useDatabase } from '../support/context.ts';
import { serveExample, useExampleServer } from '../support/example-server.ts';
import { insertSession, insertUser } from '../support/factories.ts';

const t = useDatabase();
const example = useExampleServer(t);

const post = (userId: string, body: unknown) =>
  fetch(`${example.base}/chat`, { method: 'POST', headers: { 'x-user-id': userId, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The answer as useChat assembles it: the SSE body parsed into UI message chunks, then read into a UIMessage. */
async function readAnswer(response: Response): Promise<UIMessage> {
  expect(response.status).toBe(200);
  const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<{ success: boolean; value?: UIMessageChunk; error?: unknown }, UIMessageChunk>({
      transform(result, controller) {
        if (!result.success) throw result.error;
        controller.enqueue(result.value!);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream: chunks, terminateOnError: true })) message = snapshot;
  return message!;
}

const userMessage = (text: string): UIMessage => ({ id: generateId(), role: 'user', parts: [{ type: 'text', text }] });
const textOf = (message: UIMessage) => message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');

test('two turns through POST /chat: streamed, cited answers; each message stored once, in order; GET /chat/:id restores them', async () => {
  const userId = await insertUser(t.sql);
  const sessionId = await insertSession(t.sql, userId);

  // Turn 1, as a transport that sends only the newest message.
  const question = userMessage('What is DDS in ROS 2?');
  const answer = await readAnswer(await post(userId, { id: sessionId, message: question }));
  expect(answer.role).toBe('assistant');
  expect(answer.id).toMatch(/^msg-/);
  expect(textOf(answer)).toBe('DDS is the middleware ROS 2 nodes use to discover each other and exchange messages. [1]');
  const sources = answer.parts.filter((part) => part.type === 'source-url');
  expect(sources[0]).toMatchObject({
    sourceId: 'chunk_023',
    url: 'https://docs.example/ros2#dds',
    providerMetadata: { ragChatDb: { documentId: 'module-1-ros2', chunkId: 'chunk_023' } },
  });

  let stored = await loadUIMessages(t.api, { sessionId, userId });
  expect(stored.messages).toEqual([question, answer]);
  const [row] = await t.sql<{ id: string }[]>`SELECT id FROM messages WHERE session_id = ${sessionId} AND client_id = ${answer.id}`;
  const citations = await getCitationsForMessage(t.api, { messageId: row!.id, userId });
  expect(citations.map((c) => [c.citationIndex, c.documentId, c.chunkId, c.url])).toEqual(
    sources.map((source, i) => [i + 1, (source.providerMetadata!.ragChatDb as any).documentId, source.sourceId, (source as { url: string }).url]),
  );
  expect(citations[0]!.score).toBeGreaterThan(0);
  // The answer's usage, from streamText's onFinish, in its typed columns; the question has none.
  const usage = await t.sql`SELECT client_id, status, model, input_tokens, output_tokens, total_tokens, finish_reason, latency_ms
    FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
  expect(usage[0]).toMatchObject({ client_id: question.id, status: 'complete', model: null, input_tokens: null });
  const words = textOf(answer).split(' ').length;
  expect(usage[1]).toMatchObject({ client_id: answer.id, status: 'complete', model: 'mock-rag', input_tokens: 40, output_tokens: words, total_tokens: 40 + words, finish_reason: 'stop' });
  expect(usage[1]!.latency_ms).toBeGreaterThanOrEqual(0);

  // Turn 2, as the default transport sends it: the whole conversation.
  const followUp = userMessage('And what are QoS profiles?');
  const second = await readAnswer(await post(userId, { id: sessionId, messages: [...stored.messages, followUp] }));
  expect(textOf(second)).toBe('QoS profiles set how reliable and durable a topic is. [1]');
  expect(second.id).not.toBe(answer.id);

  stored = await loadUIMessages(t.api, { sessionId, userId });
  expect(stored.messages).toEqual([question, answer, followUp, second]);
  const rows = await t.sql<{ client_id: string }[]>`SELECT client_id FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
  expect(rows.map((r) => r.client_id)).toEqual([question.id, answer.id, followUp.id, second.id]);

  // Turn 3, newest message only again: the history comes from the database.
  const third = await readAnswer(await post(userId, { id: sessionId, message: userMessage('Tell me about Gazebo') }));
  expect(textOf(third)).toBe('Gazebo simulates robots and their sensors. [1]');

  // What a client restores the chat from.
  const restored = await fetch(`${example.base}/chat/${sessionId}`, { headers: { 'x-user-id': userId } });
  expect(restored.status).toBe(200);
  const page = (await restored.json()) as { messages: UIMessage[]; nextCursor: string | null };
  expect(page.messages).toHaveLength(6);
  expect(page.messages.slice(0, 4)).toEqual([question, answer, followUp, second]);
  expect(page.messages.at(-1)).toEqual(third);
  expect(await validateUIMessages({ messages: page.messages })).toEqual(page.messages);
  const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
  expect(count!.n).toBe(6);
  // Later turns saved the first answer again without its usage: the stored usage stays.
  const [first] = await t.sql`SELECT model, input_tokens FROM messages WHERE session_id = ${sessionId} AND client_id = ${answer.id}`;
  expect(first).toEqual({ model: 'mock-rag', input_tokens: 40 });
});

test("another user's session is a 404 before anything streams; invalid messages are a 400; neither writes", async () => {
  const userId = await insertUser(t.sql);
  const sessionId = await insertSession(t.sql, userId);

  expect((await post(randomUUID(), { id: sessionId, message: userMessage('What is DDS?') })).status).toBe(404);
  expect((await fetch(`${example.base}/chat/${sessionId}`, { headers: { 'x-user-id': randomUUID() } })).status).toBe(404);
  expect((await post(userId, { id: sessionId, message: { id: 'x', role: 'user' } })).status).toBe(400);
  expect((await post(userId, { id: sessionId })).status).toBe(400);
  expect((await post(userId, 'not json')).status).toBe(400);
  expect((await post(userId, { id: 'not-a-uuid', message: userMessage('hi') })).status).toBe(400);
  const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${sessionId}`;
  expect(count!.n).toBe(0);
});

/** A model that streams 100 words, one per 20 ms. */
const slowWords = Array.from({ length: 100 }, (_, i) => `word${i} `);
function slowModel() {
  return new MockLanguageModelV4({
    modelId: 'slow',
    doStream: async () => ({
      stream: simulateReadableStream({
        chunkDelayInMs: 20,
        chunks: [
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 'a' },
          ...slowWords.map((delta) => ({ type: 'text-delta' as const, id: 'a', delta })),
          { type: 'text-end', id: 'a' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 100, text: 100, reasoning: 0 } } },
        ],
      }),
    }),
  });
}

/** Posts `question`, reads the answer until its fourth word, then goes away (the fetch aborted, as a closed tab). */
async function askThenLeave(base: string, userId: string, sessionId: string, question: UIMessage) {
  const controller = new AbortController();
  const response = await fetch(`${base}/chat`, {
    method: 'POST',
    headers: { 'x-user-id': userId, 'content-type': 'application/json' },
    body: JSON.stringify({ id: sessionId, message: question }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let seen = '';
  while (!seen.includes('word3 ')) seen += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
}

test('a client that leaves mid-answer: the model is stopped, the answer so far saved with status aborted', async () => {
  const words = slowWords;
  const model = slowModel();
  const slow = await serveExample(t.api, { model });
  try {
    const userId = await insertUser(t.sql);
    const sessionId = await insertSession(t.sql, userId);
    const question = userMessage('What is DDS?');
    await askThenLeave(slow.base, userId, sessionId, question);

    const rows = await vi.waitFor(
      async () => {
        const found = await t.sql<{ client_id: string; status: string; content: string }[]>`
          SELECT client_id, status, content FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
        expect(found).toHaveLength(2);
        return found;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(rows[0]).toMatchObject({ client_id: question.id, status: 'complete' });
    expect(rows[1]!.status).toBe('aborted');
    expect(model.doStreamCalls[0]!.abortSignal?.aborted).toBe(true); // the model was told to stop
    expect(rows[1]!.content).toMatch(/^word0 word1 word2 word3 /);
    expect(rows[1]!.content.length).toBeLessThan(words.join('').length);
    const { messages } = await loadUIMessages(t.api, { sessionId, userId });
    expect(await validateUIMessages({ messages })).toEqual(messages);
  } finally {
    await slow.close();
  }
});

test('resumable streams: a client that reloads mid-answer resumes it from GET /chat/:id/stream; the model runs on; stored once, complete; then 204', async () => {
  const model = slowModel();
  const slow = await serveExample(t.api, { model, streams: inMemoryStreams() });
  try {
    const userId = await insertUser(t.sql);
    const sessionId = await insertSession(t.sql, userId);
    const question = userMessage('What is DDS?');
    await askThenLeave(slow.base, userId, sessionId, question); // the page reloads

    // Stored before the answer began: the question, and which stream answers it.
    const [session] = await t.sql<{ active_stream_id: string | null }[]>`SELECT active_stream_id FROM chat_sessions WHERE id = ${sessionId}`;
    expect(session!.active_stream_id).toEqual(expect.any(String));
    expect((await loadUIMessages(t.api, { sessionId, userId })).messages).toEqual([question]);
    // Another user cannot follow it.
    expect((await fetch(`${slow.base}/chat/${sessionId}/stream`, { headers: { 'x-user-id': randomUUID() } })).status).toBe(404);

    // useChat({ resume: true }) on the new page: the whole answer, from its start.
    const resumed = await fetch(`${slow.base}/chat/${sessionId}/stream`, { headers: { 'x-user-id': userId } });
    const answer = await readAnswer(resumed);
    expect(textOf(answer)).toBe(slowWords.join(''));
    expect(model.doStreamCalls[0]!.abortSignal?.aborted).not.toBe(true); // the model was not stopped

    const stored = await vi.waitFor(
      async () => {
        const [row] = await t.sql<{ active_stream_id: string | null }[]>`SELECT active_stream_id FROM chat_sessions WHERE id = ${sessionId}`;
        expect(row!.active_stream_id).toBeNull();
        return loadUIMessages(t.api, { sessionId, userId });
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(stored.messages).toEqual([question, answer]);
    const rows = await t.sql`SELECT status FROM messages WHERE session_id = ${sessionId} ORDER BY seq`;
    expect(rows.map((row) => row.status)).toEqual(['complete', 'complete']);
    // Nothing streams now: 204, as useChat expects.
    expect((await fetch(`${slow.base}/chat/${sessionId}/stream`, { headers: { 'x-user-id': userId } })).status).toBe(204);
  } finally {
    await slow.close();
  }
});
