// @ts-check
// The AI SDK chat route: useChat's requests in, a streamed answer out, the conversation saved with
// rag-chat-db on every turn and restored from it. `model` is any AI SDK language model (a mock one in
// examples/rag-api/mock-ai.mjs); `retrieve(question)` is your retriever, returning chunks
// { documentId, chunkId, score, url, title, text }; `streams`, optional, a resumable-stream context
// (examples/rag-api/streams.mjs) that lets a client which reloads mid-answer resume it.
// #region imports
import {
  convertToModelMessages,
  createIdGenerator,
  createUIMessageStream,
  createUIMessageStreamResponse,
  consumeStream,
  generateId,
  streamText,
  UI_MESSAGE_STREAM_HEADERS,
  validateUIMessages,
} from 'ai';
import { getSession, loadUIMessages, saveUIMessages } from 'rag-chat-db';
// #endregion imports

/**
 * @param {import('hono').Hono<any>} app
 * @param {import('rag-chat-db').Executor} db
 * @param {{ model: import('ai').LanguageModel, retrieve: (question: string) => Promise<Array<{ documentId: string, chunkId: string, score: number, url: string, title: string, text: string }>>, streams?: import('resumable-stream').ResumableStreamContext }} options
 */
export function chatRoutes(app, db, { model, retrieve, streams }) {
  // #region chat-route
  // useChat({ id: sessionId }) with a transport that sends only the newest message
  // (prepareSendMessagesRequest: ({ id, messages }) => ({ body: { id, message: messages.at(-1) } })),
  // or the default transport's whole `messages`.
  app.post('/chat', async (c) => {
    const userId = c.get('userId');
    const { id: sessionId, message, messages } = await c.req.json();
    const { messages: stored } = await loadUIMessages(db, { sessionId, userId }); // 404 if not this user's session
    const history = await validateUIMessages({
      messages: messages ?? [...stored.filter((m) => m.id !== message?.id), message],
    });
    const streamId = generateId();
    // Resumable: the question stored and the session told which stream answers it (one round trip),
    // so a client that reloads mid-answer finds it (GET /chat/:id/stream, useChat({ resume: true })).
    if (streams) await saveUIMessages(db, { sessionId, userId, messages: history, activeStreamId: streamId });
    const question = (history.at(-1)?.parts ?? []).filter((p) => p.type === 'text').map((p) => p.text).join('\n');
    const chunks = await retrieve(question);
    const started = Date.now();
    let usage = {}; // the answer's model, tokens, finish reason and latency: typed columns of its row

    const stream = createUIMessageStream({
      originalMessages: history, // persistence mode: onFinish gets the whole conversation
      generateId: createIdGenerator({ prefix: 'msg', size: 16 }), // server-generated assistant ids
      execute: async ({ writer }) => {
        writer.write({ type: 'start' }); // one start (the model's is left out below): the sources belong to the answer
        // Each retrieved chunk a source: saveUIMessages makes it a citation row (document, chunk, score).
        for (const chunk of chunks) {
          writer.write({
            type: 'source-url', sourceId: chunk.chunkId, url: chunk.url, title: chunk.title,
            providerMetadata: { ragChatDb: { documentId: chunk.documentId, chunkId: chunk.chunkId, score: chunk.score, snippet: chunk.text } },
          });
        }
        const result = streamText({
          model,
          system: `Answer from these passages, citing them as [n]:\n${chunks.map((chunk, i) => `[${i + 1}] ${chunk.text}`).join('\n')}`,
          messages: await convertToModelMessages(history),
          // The client went away: stop the model (the answer so far is saved, aborted); unless it may resume.
          abortSignal: streams ? undefined : c.req.raw.signal,
          onFinish: ({ response, totalUsage: { inputTokens, outputTokens, totalTokens }, finishReason }) => {
            usage = { model: response.modelId, inputTokens, outputTokens, totalTokens, finishReason, latencyMs: Date.now() - started };
          },
        });
        writer.merge(result.toUIMessageStream({ sendStart: false }));
      },
      // The whole history, each message stored once (`onEnd` in ai 7, `onFinish` in 5 to 7).
      onFinish: async ({ messages, responseMessage, isAborted }) => {
        await saveUIMessages(db, {
          sessionId, userId, messages,
          details: { [responseMessage.id]: { ...usage, status: isAborted ? 'aborted' : 'complete' } },
          activeStreamId: null, // nothing left to resume
        });
      },
    });
    return createUIMessageStreamResponse({
      stream, // runs to onFinish even if the client left: read to the end by consumeStream, or into the resumable stream
      consumeSseStream: async ({ stream }) => {
        if (streams) await streams.createNewResumableStream(streamId, () => stream);
        else await consumeStream({ stream });
      },
    });
  });

  // useChat({ resume: true }) on load: the answer still streaming, from its start; 204 if none is.
  app.get('/chat/:id/stream', async (c) => {
    const { activeStreamId } = await getSession(db, { sessionId: c.req.param('id'), userId: c.get('userId') });
    const resumed = streams && activeStreamId ? await streams.resumeExistingStream(activeStreamId) : null;
    return resumed ? new Response(resumed, { headers: UI_MESSAGE_STREAM_HEADERS }) : c.body(null, 204);
  });

  // What useChat({ id, messages }) restores a chat from.
  app.get('/chat/:id', async (c) =>
    c.json(await loadUIMessages(db, { sessionId: c.req.param('id'), userId: c.get('userId'), before: c.req.query('before') })),
  );
  // #endregion chat-route
}
