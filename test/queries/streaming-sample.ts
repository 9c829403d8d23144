/**
 * The streaming sample of docs/ai-sdk.md ("Streaming answers"), verbatim
 * in the region: streaming.test.ts runs it and checks that the guide shows
 * exactly this code.
 */
// #region streaming-sample
import { appendToMessage, type Executor, finishMessage, startAssistantMessage } from 'rag-chat-db';

/** Stores an answer as it streams (`textStream`: streamText's, for example); a dropped client leaves it `aborted`, its text so far kept. */
export async function storeStreamedAnswer(
  db: Executor,
  ref: { sessionId: string; userId: string },
  id: string, // the assistant message's id (generateId())
  textStream: AsyncIterable<string>,
  signal?: AbortSignal,
): Promise<void> {
  await startAssistantMessage(db, { ...ref, id, streamId: id });
  let pending = '';
  const flush = async () => {
    if (pending !== '') await appendToMessage(db, { ...ref, id, text: pending }); // one round trip
    pending = '';
  };
  const started = Date.now();
  try {
    for await (const delta of textStream) {
      pending += delta;
      if (pending.length >= 200) await flush(); // a write per ~200 characters, not per token
    }
    await flush();
    await finishMessage(db, { ...ref, id, status: 'complete', usage: { model: 'my-model', finishReason: 'stop', latencyMs: Date.now() - started } });
  } catch (error) {
    await flush();
    await finishMessage(db, { ...ref, id, status: signal?.aborted ? 'aborted' : 'error' });
    throw error;
  }
}
// #endregion streaming-sample
