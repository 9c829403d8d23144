/** Exporting a user's data page by page: the parts, the streamed JSON document, and a user larger than a JavaScript string. */
import { describe, expect, test } from 'vitest';
import { exportUserData, exportUserDataJson, streamUserData, type UserExportPart } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertCitation, insertFeedback, insertMessage, insertSession, insertUser } from '../support/factories.ts';

const t = useDatabase();

async function userWithHistory(messagesInFirstSession: number) {
  const userId = await insertUser(t.sql);
  const first = await insertSession(t.sql, userId);
  await t.sql`INSERT INTO messages (session_id, role, content) SELECT ${first}, 'user', 'm' || i FROM generate_series(1, ${messagesInFirstSession}) i`;
  const second = await insertSession(t.sql, userId);
  const answer = await insertMessage(t.sql, second, 'assistant', 'cited');
  await insertCitation(t.sql, answer, 1);
  await insertCitation(t.sql, answer, 2);
  await insertFeedback(t.sql, answer, userId, 'up');
  await insertSession(t.sql, userId); // empty
  await t.sql`INSERT INTO deleted_messages (user_id, role, sent_at) VALUES (${userId}, 'user', now() - interval '1 hour'), (${userId}, 'assistant', now())`;
  return { userId, first, second };
}

describe('streamUserData', () => {
  test('yields the user, each session followed by its messages in pages, then the ratings; no page larger than pageSize', async () => {
    const { userId, first, second } = await userWithHistory(25);
    const parts: UserExportPart[] = [];
    for await (const part of streamUserData(t.api, { userId, pageSize: 10 })) parts.push(part);

    expect(parts.map((part) => (part.type === 'messages' ? `messages:${part.messages.length}` : part.type))).toEqual([
      'user',
      'session',
      'messages:10',
      'messages:10',
      'messages:5',
      'session',
      'messages:1',
      'session',
      'feedback',
      'deletedMessages',
    ]);
    expect(parts[0]).toMatchObject({ type: 'user', user: { id: userId } });
    const firstMessages = parts.flatMap((part) => (part.type === 'messages' && part.sessionId === first ? part.messages : []));
    expect(firstMessages.map((message) => message.content)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
    const cited = parts.find((part) => part.type === 'messages' && part.sessionId === second);
    expect(cited).toMatchObject({ messages: [{ content: 'cited', citations: [{ citationIndex: 1 }, { citationIndex: 2 }], feedback: { rating: 'up' } }] });
  });

  test('exportUserDataJson is exportUserData as JSON text, and exportUserData is the parts put together', async () => {
    const { userId } = await userWithHistory(12);
    const whole = JSON.parse(JSON.stringify(await exportUserData(t.api, { userId, pageSize: 5 })));
    let text = '';
    for await (const piece of exportUserDataJson(t.api, { userId, pageSize: 5 })) text += piece;
    const streamed = JSON.parse(text);
    expect({ ...streamed, exportedAt: undefined }).toEqual({ ...whole, exportedAt: undefined });
    expect(whole.sessions.map((session: { messages: unknown[] }) => session.messages.length)).toEqual([12, 1, 0]);
    expect(whole.deletedMessages.map((record: { role: string }) => record.role)).toEqual(['user', 'assistant']);
    expect(Object.keys(whole)).toEqual(Object.keys(streamed));
  });

  test('a user with no sessions, and an unknown user, export as empty documents', async () => {
    const userId = await insertUser(t.sql);
    let text = '';
    for await (const piece of exportUserDataJson(t.api, { userId })) text += piece;
    expect(JSON.parse(text)).toMatchObject({ user: { id: userId }, profile: null, sessions: [], feedback: [], deletedMessages: [] });
    const nobody = await exportUserData(t.api, { userId: '00000000-0000-4000-8000-000000000000' });
    expect(nobody).toMatchObject({ user: null, profile: null, sessions: [], feedback: [], deletedMessages: [] });
  });
});

describe('a user whose export is larger than the longest JavaScript string (issue 10.8)', () => {
  // 5,500 answers of 100,000 characters: 550 million characters, past V8's limit of about 536 million
  // for one string, which the single-document export of 0.1 hit (ERR_STRING_TOO_LONG).
  const answers = 5_500;
  const length = 100_000;

  test('streams as JSON text in bounded memory', { timeout: 120_000 }, async () => {
    const userId = await insertUser(t.sql);
    const sessionId = await insertSession(t.sql, userId);
    await t.sql`INSERT INTO messages (session_id, role, content) SELECT ${sessionId}, 'assistant', repeat('x', ${length}) FROM generate_series(1, ${answers})`;

    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    let characters = 0;
    let pieces = 0;
    for await (const piece of exportUserDataJson(t.api, { userId, pageSize: 50 })) {
      characters += piece.length;
      pieces++;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    expect(characters).toBeGreaterThan(answers * length);
    expect(pieces).toBeGreaterThan(answers / 50);
    // One page is about 5 million characters; the whole export is 550 million.
    expect(peakHeap - heapBefore).toBeLessThan(300 * 1024 * 1024); // the whole document alone would be 550 MB
    console.log(`export of ${(characters / 1e6).toFixed(0)} million characters in ${pieces} pieces: peak heap +${((peakHeap - heapBefore) / 1048576).toFixed(0)} MB`);
  });
});
