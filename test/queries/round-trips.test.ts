/**
 * Round trips on the wire, counted by a proxy between the client and the
 * server (each time the client speaks after the server did): every helper
 * costs one, once its prepared statement exists on the connection.
 */
import { expect, test } from 'vitest';
import {
  addMessage,
  createSession,
  getConversationWithCitations,
  getMessage,
  getPersonalizationContext,
  getUser,
  listSessions,
  loadUIMessages,
  mergeSessionMetadata,
  saveUIMessages,
  searchMessages,
  setFeedback,
  upsertProfile,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';
import { useCountedDatabase } from '../support/round-trips.ts';

const t = useDatabase();
const wire = useCountedDatabase(t);

/** Round trips of a warm call: the first one prepares the statement (a describe, then the execute). */
async function roundTrips(call: () => Promise<unknown>): Promise<number> {
  await call();
  return wire.roundTrips(call);
}

test('each helper is one network round trip', async () => {
  const { db } = wire;
  const userId = await insertUser(t.sql);
  const session = await createSession(db, { userId });
  const ref = { sessionId: session.id, userId };
  const message = await addMessage(db, { ...ref, role: 'assistant', content: 'DDS', citations: [{ documentId: 'd', citationIndex: 1 }] });

  const calls: Record<string, () => Promise<unknown>> = {
    getConversationWithCitations: () => getConversationWithCitations(db, ref),
    addMessage: () => addMessage(db, { ...ref, role: 'user', content: 'more', citations: [{ documentId: 'd', citationIndex: 1 }] }),
    getMessage: () => getMessage(db, { messageId: message.id, userId }),
    listSessions: () => listSessions(db, { userId }),
    searchMessages: () => searchMessages(db, { userId, query: 'dds' }),
    mergeSessionMetadata: () => mergeSessionMetadata(db, { ...ref, metadata: { a: 1 } }),
    setFeedback: () => setFeedback(db, { messageId: message.id, userId, rating: 'up' }),
    getUser: () => getUser(db, { userId }),
    upsertProfile: () => upsertProfile(db, { userId, preferredLanguage: 'en' }),
    getPersonalizationContext: () => getPersonalizationContext(db, { userId }),
    // The same history each call (an update in place the second time), with a source that becomes a citation.
    saveUIMessages: () =>
      saveUIMessages(db, {
        ...ref,
        messages: [
          { id: 'q', role: 'user', parts: [{ type: 'text', text: 'DDS?' }] },
          { id: 'a', role: 'assistant', parts: [{ type: 'source-url', sourceId: 'd', url: 'https://docs.example/dds' }, { type: 'text', text: 'DDS [1]' }] },
        ],
      }),
    loadUIMessages: () => loadUIMessages(db, ref),
  };
  const counted: Record<string, number> = {};
  for (const [name, call] of Object.entries(calls)) counted[name] = await roundTrips(call);
  expect(counted).toEqual(Object.fromEntries(Object.keys(calls).map((name) => [name, 1])));
});

test("drizzle's own (unprepared) execution would take two: what the prepared path saves", async () => {
  const { db } = wire;
  const { sql } = await import('drizzle-orm');
  const userId = await insertUser(t.sql);
  expect(await roundTrips(() => db.execute(sql`SELECT id FROM users WHERE id = ${userId}`))).toBe(2);
});
