/**
 * Streaming answers: startAssistantMessage, appendToMessage and
 * finishMessage on real Postgres (with the rls module installed, so the
 * same helpers are also run inside withUser), with the real `ai` package's
 * validateUIMessages on what loads. Writes are asserted with independent selects.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type UIMessage, validateUIMessages } from 'ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import { MessageNotStreamingError, NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  appendToMessage,
  createSession,
  finishMessage,
  loadUIMessages,
  saveUIMessages,
  searchMessages,
  startAssistantMessage,
  withUser,
} from '../../src/queries/index.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { useDatabase } from '../support/context.ts';
import { storeStreamedAnswer } from './streaming-sample.ts';
import { useCountedDatabase } from '../support/round-trips.ts';

const t = useDatabase({ modules: ['chat', 'rls'] });

async function userWithSession() {
  const userId = randomUUID();
  const session = await createSession(t.api, { userId });
  return { userId, sessionId: session.id };
}

async function storedRow(sessionId: string, clientId: string) {
  const [row] = await t.sql<
    { status: string; content: string; parts: unknown; model: string | null; input_tokens: number | null; output_tokens: number | null; total_tokens: number | null; finish_reason: string | null; latency_ms: number | null }[]
  >`SELECT status, content, parts, model, input_tokens, output_tokens, total_tokens, finish_reason, latency_ms FROM messages WHERE session_id = ${sessionId} AND client_id = ${clientId}`;
  return row!;
}

async function storedSession(sessionId: string) {
  const [row] = await t.sql<{ active_stream_id: string | null; last_message_at: Date | null }[]>`
    SELECT active_stream_id, last_message_at FROM chat_sessions WHERE id = ${sessionId}`;
  return row!;
}

describe('streaming answers', () => {
  test('an answer cut off mid-way stays stored with its partial text and status aborted', async () => {
    const ref = await userWithSession();
    await saveUIMessages(t.api, { ...ref, messages: [{ id: 'q1', role: 'user', parts: [{ type: 'text', text: 'What does ROS 2 use?' }] }] });
    const started = await startAssistantMessage(t.api, { ...ref, id: 'a1', streamId: 'stream-1' });
    expect(started).toMatchObject({ clientId: 'a1', status: 'streaming', streamId: 'stream-1', inserted: true });
    expect(await storedRow(ref.sessionId, 'a1')).toMatchObject({ status: 'streaming', content: '', parts: [] });
    const session = await storedSession(ref.sessionId);
    expect(session.active_stream_id).toBe('stream-1');
    expect(session.last_message_at).not.toBeNull();

    await appendToMessage(t.api, { ...ref, id: 'a1', text: 'ROS 2 uses ' });
    await appendToMessage(t.api, { ...ref, id: 'a1', text: 'DDS for' });
    // Searchable while it streams.
    const found = await searchMessages(t.api, { userId: ref.userId, query: 'DDS' });
    expect(found).toHaveLength(1);
    await finishMessage(t.api, { ...ref, id: 'a1', status: 'aborted' });

    const { messages } = await loadUIMessages(t.api, ref);
    expect(messages).toEqual([
      { id: 'q1', role: 'user', parts: [{ type: 'text', text: 'What does ROS 2 use?' }] },
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'ROS 2 uses DDS for' }] },
    ]);
    await validateUIMessages({ messages });
    expect(await storedRow(ref.sessionId, 'a1')).toMatchObject({ status: 'aborted', content: 'ROS 2 uses DDS for' });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
  });

  test('text and whole parts in order: text after a tool call is a new text part; content joins text parts as saveUIMessages does', async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'a2', metadata: { model: 'mock' } });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBe('a2');
    await appendToMessage(t.api, { ...ref, id: 'a2', parts: [{ type: 'step-start' }] });
    await appendToMessage(t.api, { ...ref, id: 'a2', text: 'Let me look.' });
    await appendToMessage(t.api, {
      ...ref,
      id: 'a2',
      parts: [{ type: 'tool-searchBook', toolCallId: 'c1', state: 'output-available', input: { q: 'DDS' }, output: { hits: 1 } }],
    });
    await appendToMessage(t.api, { ...ref, id: 'a2', text: 'DDS ', parts: [{ type: 'text', text: 'Done.' }] });
    await appendToMessage(t.api, { ...ref, id: 'a2', text: 'it is.' });
    await finishMessage(t.api, { ...ref, id: 'a2', status: 'complete' });
    const parts = [
      { type: 'step-start' },
      { type: 'text', text: 'Let me look.' },
      { type: 'tool-searchBook', toolCallId: 'c1', state: 'output-available', input: { q: 'DDS' }, output: { hits: 1 } },
      { type: 'text', text: 'DDS ' },
      { type: 'text', text: 'Done.it is.' },
    ];
    const { messages } = await loadUIMessages(t.api, ref);
    expect(messages).toEqual([{ id: 'a2', role: 'assistant', metadata: { model: 'mock' }, parts }]);
    // The content saveUIMessages derives from the same parts.
    const copy = await userWithSession();
    await saveUIMessages(t.api, { ...copy, messages });
    expect((await storedRow(ref.sessionId, 'a2')).content).toBe((await storedRow(copy.sessionId, 'a2')).content);
  });

  test('complete with usage and final parts: usage columns set, content derived from the parts, active_stream_id cleared', async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'a3', streamId: 's3' });
    await appendToMessage(t.api, { ...ref, id: 'a3', text: 'draft' });
    // The AI SDK's own parts type is accepted as it is.
    const finalParts: UIMessage['parts'] = [{ type: 'text', text: 'Final answer.' }, { type: 'text', text: 'Second paragraph.' }];
    const finished = await finishMessage(t.api, {
      ...ref,
      id: 'a3',
      status: 'complete',
      parts: finalParts,
      usage: { model: 'gpt-mock', inputTokens: 120, outputTokens: 30, totalTokens: 150, finishReason: 'stop', latencyMs: 850 },
    });
    expect(finished).toMatchObject({ clientId: 'a3', status: 'complete' });
    expect(await storedRow(ref.sessionId, 'a3')).toMatchObject({
      status: 'complete',
      content: 'Final answer.\n\nSecond paragraph.',
      model: 'gpt-mock',
      input_tokens: 120,
      output_tokens: 30,
      total_tokens: 150,
      finish_reason: 'stop',
      latency_ms: 850,
    });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
  });

  test('concurrent appends to one message apply one after the other: none lost', async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'busy' });
    const pieces = Array.from({ length: 12 }, (_, index) => `<${index}>`);
    await Promise.all(pieces.map((text) => appendToMessage(t.api, { ...ref, id: 'busy', text })));
    const { content, parts } = await storedRow(ref.sessionId, 'busy');
    expect([...content.matchAll(/<\d+>/g)].map(([piece]) => piece).sort()).toEqual([...pieces].sort());
    expect(parts).toEqual([{ type: 'text', text: content }]);
  });

  test('final parts replace the citations by their sources, as saveUIMessages does; sources only appended are parts alone', async () => {
    const ref = await userWithSession();
    const source = (n: number) => ({ type: 'source-url', sourceId: `s${n}`, url: `https://docs.example/${n}`, title: `Doc ${n}`, providerMetadata: { ragChatDb: { documentId: `doc-${n}`, chunkId: `c${n}`, score: n / 10 } } });
    const started = await startAssistantMessage(t.api, { ...ref, id: 'cited' });
    await appendToMessage(t.api, { ...ref, id: 'cited', parts: [source(1)], text: 'DDS [1]' });
    expect(await t.sql`SELECT 1 FROM message_citations WHERE message_id = ${started.id}`).toHaveLength(0);
    await finishMessage(t.api, { ...ref, id: 'cited', status: 'complete', parts: [source(1), source(2), { type: 'text', text: 'DDS [1][2]' }] });
    const rows = await t.sql`SELECT document_id, chunk_id, score, citation_index, title, url FROM message_citations WHERE message_id = ${started.id} ORDER BY citation_index`;
    expect(rows).toEqual([
      { document_id: 'doc-1', chunk_id: 'c1', score: 0.1, citation_index: 1, title: 'Doc 1', url: 'https://docs.example/1' },
      { document_id: 'doc-2', chunk_id: 'c2', score: 0.2, citation_index: 2, title: 'Doc 2', url: 'https://docs.example/2' },
    ]);
    // The same message saved by saveUIMessages afterwards (onFinish) keeps its row and citations, not duplicated.
    const { messages } = await loadUIMessages(t.api, ref);
    await saveUIMessages(t.api, { ...ref, messages });
    expect(await t.sql`SELECT 1 FROM message_citations WHERE message_id = ${started.id}`).toHaveLength(2);
    expect(await storedRow(ref.sessionId, 'cited')).toMatchObject({ status: 'complete', content: 'DDS [1][2]' });
  });

  test("finishing an older answer leaves a newer answer's stream active", async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'old', streamId: 'old-stream' });
    await startAssistantMessage(t.api, { ...ref, id: 'new', streamId: 'new-stream' });
    await finishMessage(t.api, { ...ref, id: 'old', status: 'error' });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBe('new-stream');
    await finishMessage(t.api, { ...ref, id: 'new', status: 'complete' });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
  });

  test('start is idempotent on the client id while streaming; refused once finished', async () => {
    const ref = await userWithSession();
    const first = await startAssistantMessage(t.api, { ...ref, id: 'a4', streamId: 's1' });
    await appendToMessage(t.api, { ...ref, id: 'a4', text: 'kept' });
    const retry = await startAssistantMessage(t.api, { ...ref, id: 'a4', streamId: 's2' });
    expect(retry).toMatchObject({ id: first.id, inserted: false, status: 'streaming', streamId: 's2' });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBe('s2');
    expect((await storedRow(ref.sessionId, 'a4')).content).toBe('kept');
    const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id = ${ref.sessionId}`;
    expect(count!.n).toBe(1);
    await finishMessage(t.api, { ...ref, id: 'a4', status: 'complete' });
    await expect(startAssistantMessage(t.api, { ...ref, id: 'a4' })).rejects.toBeInstanceOf(MessageNotStreamingError);
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
  });

  test('append or finish after finish: MessageNotStreamingError, nothing written', async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'a5' });
    await appendToMessage(t.api, { ...ref, id: 'a5', text: 'partial' });
    await finishMessage(t.api, { ...ref, id: 'a5', status: 'aborted' });
    const before = await storedRow(ref.sessionId, 'a5');
    const refused = await appendToMessage(t.api, { ...ref, id: 'a5', text: ' more' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MessageNotStreamingError);
    expect(refused).toMatchObject({ code: 'CONFLICT', status: 'aborted' });
    await expect(appendToMessage(t.api, { ...ref, id: 'a5', parts: [{ type: 'step-start' }] })).rejects.toBeInstanceOf(MessageNotStreamingError);
    await expect(finishMessage(t.api, { ...ref, id: 'a5', status: 'complete', usage: { model: 'late' } })).rejects.toBeInstanceOf(MessageNotStreamingError);
    expect(await storedRow(ref.sessionId, 'a5')).toEqual(before);
  });

  test("another user's session or message is not found; nothing is written", async () => {
    const owner = await userWithSession();
    const other = await userWithSession();
    await startAssistantMessage(t.api, { ...owner, id: 'a6', streamId: 'mine' });
    const intruder = { sessionId: owner.sessionId, userId: other.userId };
    await expect(startAssistantMessage(t.api, { ...intruder, id: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(appendToMessage(t.api, { ...intruder, id: 'a6', text: 'injected' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(finishMessage(t.api, { ...intruder, id: 'a6', status: 'complete' })).rejects.toBeInstanceOf(NotFoundError);
    // The other user's own session, naming the owner's message id: not there either.
    await expect(appendToMessage(t.api, { ...other, id: 'a6', text: 'injected' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(finishMessage(t.api, { ...owner, id: 'missing', status: 'complete' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await storedRow(owner.sessionId, 'a6')).toMatchObject({ status: 'streaming', content: '' });
    expect((await storedSession(owner.sessionId)).active_stream_id).toBe('mine');
    const [count] = await t.sql`SELECT count(*)::int AS n FROM messages WHERE session_id IN (${owner.sessionId}, ${other.sessionId})`;
    expect(count!.n).toBe(1);
  });

  test('bad input is a ValidationError before any SQL, with the bounds of saveUIMessages', async () => {
    const ref = await userWithSession();
    await startAssistantMessage(t.api, { ...ref, id: 'a7' });
    await expect(appendToMessage(t.api, { ...ref, id: 'a7' })).rejects.toBeInstanceOf(ValidationError);
    await expect(appendToMessage(t.api, { ...ref, id: 'a7', text: 'nul\u0000' })).rejects.toBeInstanceOf(ValidationError);
    await expect(appendToMessage(t.api, { ...ref, id: 'a7', parts: [{ type: 'text' }] })).rejects.toBeInstanceOf(ValidationError);
    await expect(startAssistantMessage(t.api, { ...ref, id: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(finishMessage(t.api, { ...ref, id: 'a7', status: 'streaming' as 'complete' })).rejects.toBeInstanceOf(ValidationError);
    await expect(finishMessage(t.api, { ...ref, id: 'a7', status: 'complete', usage: { inputTokens: -1 } })).rejects.toBeInstanceOf(ValidationError);
    // The content bound holds across appends: refused by the statement, nothing written.
    await appendToMessage(t.api, { ...ref, id: 'a7', text: 'x'.repeat(60_000) });
    await expect(appendToMessage(t.api, { ...ref, id: 'a7', text: 'y'.repeat(60_000) })).rejects.toBeInstanceOf(ValidationError);
    expect((await storedRow(ref.sessionId, 'a7')).content).toHaveLength(60_000);
  });

  test('inside withUser with row-level security: the same helpers, and another user sees nothing', async () => {
    const ref = await userWithSession();
    const other = await userWithSession();
    await withUser(t.api, { userId: ref.userId, role: 'rag_chat_app' }, async (tx) => {
      await startAssistantMessage(tx, { ...ref, id: 'r1', streamId: 'rs' });
      await appendToMessage(tx, { ...ref, id: 'r1', text: 'under RLS' });
      await appendToMessage(tx, { ...ref, id: 'r1', parts: [{ type: 'source-url', sourceId: 'd1', url: 'https://docs.example/d1' }] });
      await finishMessage(tx, { ...ref, id: 'r1', status: 'complete', usage: { totalTokens: 7 } });
      // Final parts with a source: its citation in a statement of its own, which the policy then allows.
      await startAssistantMessage(tx, { ...ref, id: 'r2' });
      await finishMessage(tx, { ...ref, id: 'r2', status: 'complete', parts: [{ type: 'source-url', sourceId: 'd1', url: 'https://docs.example/d1' }, { type: 'text', text: 'cited [1]' }] });
    });
    expect(await t.sql`SELECT c.document_id FROM message_citations c JOIN messages m ON m.id = c.message_id WHERE m.session_id = ${ref.sessionId} AND m.client_id = 'r2'`).toEqual([{ document_id: 'd1' }]);
    expect(await storedRow(ref.sessionId, 'r1')).toMatchObject({ status: 'complete', content: 'under RLS', total_tokens: 7 });
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
    await withUser(t.api, { userId: other.userId, role: 'rag_chat_app' }, async (tx) => {
      await expect(startAssistantMessage(tx, { ...other, sessionId: ref.sessionId, id: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(appendToMessage(tx, { ...other, sessionId: ref.sessionId, id: 'r1', text: '!' })).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});

describe("docs/ai-sdk.md's sample", () => {
  test('docs/ai-sdk.md shows the sample verbatim', () => {
    const sample = readFileSync(join(packageRoot, 'test/queries/streaming-sample.ts'), 'utf8');
    const open = '// #region streaming-sample\n';
    const code = sample.slice(sample.indexOf(open) + open.length, sample.indexOf('// #endregion streaming-sample'));
    expect(readFileSync(join(packageRoot, 'docs/ai-sdk.md'), 'utf8')).toContain(`\`\`\`ts\n${code}\`\`\``);
  });

  test('a streamed answer is stored complete; one cut off by the client is stored aborted with its text so far', async () => {
    const ref = await userWithSession();
    async function* tokens(words: string[], cutAfter?: number, controller?: AbortController) {
      for (const [index, word] of words.entries()) {
        if (index === cutAfter) {
          controller!.abort();
          throw new Error('client went away');
        }
        yield word;
      }
    }
    const words = Array.from({ length: 120 }, (_, index) => `word${index} `);
    await storeStreamedAnswer(t.api, ref, 'full', tokens(words));
    const controller = new AbortController();
    await expect(storeStreamedAnswer(t.api, ref, 'cut', tokens(words, 50, controller), controller.signal)).rejects.toThrow('client went away');

    expect(await storedRow(ref.sessionId, 'full')).toMatchObject({ status: 'complete', content: words.join(''), model: 'my-model', finish_reason: 'stop' });
    expect(await storedRow(ref.sessionId, 'cut')).toMatchObject({ status: 'aborted', content: words.slice(0, 50).join('') });
    const { messages } = await loadUIMessages(t.api, ref);
    expect(messages.map((message) => message.parts)).toEqual([[{ type: 'text', text: words.join('') }], [{ type: 'text', text: words.slice(0, 50).join('') }]]);
    expect((await storedSession(ref.sessionId)).active_stream_id).toBeNull();
  });
});

describe('round trips', () => {
  const counted = useCountedDatabase(t);

  test('each step is one network round trip', async () => {
    const ref = await userWithSession();
    const answer = async (id: string) => {
      const trips: Record<string, number> = {};
      const { db } = counted;
      const count = async (name: string, call: () => Promise<unknown>) => {
        trips[name] = await counted.roundTrips(call);
      };
      await count('startAssistantMessage', () => startAssistantMessage(db, { ...ref, id }));
      await count('appendToMessage', () => appendToMessage(db, { ...ref, id, text: 'DDS', parts: [{ type: 'step-start' }] }));
      await count('finishMessage', () => finishMessage(db, { ...ref, id, status: 'complete', usage: { totalTokens: 3 } }));
      return trips;
    };
    await answer('warm-up'); // the first call of each prepares its statement
    expect(await answer('counted')).toEqual({ startAssistantMessage: 1, appendToMessage: 1, finishMessage: 1 });
  });
});
