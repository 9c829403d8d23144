/**
 * Keyset cursors are checked strictly before any SQL: a forged or damaged
 * cursor is a ValidationError that sends nothing to the server, never a
 * DatabaseError quoting the value (22007 / 22008 / 22009 / 22P02 / 22003).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import { addMessage, createSession, getConversationWithCitations, listMessagesCitingDocument, listSessions } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

/** A cursor as this library writes one (base64url JSON), around any position. */
const forge = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
const uuid = '0b8c7e0e-3f6a-4a53-9d0e-7c4f8b8e2a11';

async function refusedBeforeSql(call: () => Promise<unknown>, forged: string) {
  const { result: error, queries } = await t.countQueries(() => call().then(() => undefined, (e: unknown) => e));
  expect(error, 'accepted').toBeInstanceOf(ValidationError);
  expect(queries).toBe(0);
  expect((error as Error).message).toContain('is not a cursor returned by this library');
  if (forged) expect((error as Error).message).not.toContain(forged);
}

const sessionPositions: [string, unknown][] = [
  ['a bare number as the time (22007)', ['1', uuid]],
  ['February 30th (22008)', ['2026-02-30T00:00:00+00:00', uuid]],
  ['hour 25 (22008)', ['2026-01-01T25:00:00+00:00', uuid]],
  ['an offset of 16 hours (22009)', ['2026-01-01T00:00:00+16:00', uuid]],
  ['year 0', ['0000-01-01T00:00:00+00:00', uuid]],
  ['infinity', ['infinity', uuid]],
  ['a time without offset', ['2026-01-01T00:00:00', uuid]],
  ['an id that is not a uuid (22P02)', ['2026-01-01T00:00:00+00:00', 'x']],
  ['a message cursor', [42]],
  ['three parts', ['2026-01-01T00:00:00+00:00', uuid, 1]],
  ['an object', { at: '2026-01-01T00:00:00+00:00', id: uuid }],
];

const messagePositions: [string, unknown][] = [
  ['a timestamp and a uuid, the old form (22007)', ['1', uuid]],
  ['a number as text', ['42']],
  ['zero', [0]],
  ['a negative number', [-1]],
  ['a fraction', [1.5]],
  ['past bigint (22003)', [1e20]],
  ['past the safe integers', [2 ** 53]],
  ['a session cursor', ['2026-01-01T00:00:00+00:00', uuid]],
];

describe('forged cursors are ValidationErrors, with no SQL sent', () => {
  test.each(sessionPositions)('listSessions: %s', async (_name, position) => {
    const cursor = forge(position);
    await refusedBeforeSql(() => listSessions(t.api, { userId: randomUUID(), cursor }), cursor);
  });

  test.each(messagePositions)('getConversationWithCitations and listMessagesCitingDocument: %s', async (_name, position) => {
    const cursor = forge(position);
    await refusedBeforeSql(() => getConversationWithCitations(t.api, { sessionId: randomUUID(), userId: randomUUID(), before: cursor }), cursor);
    await refusedBeforeSql(() => listMessagesCitingDocument(t.api, { userId: randomUUID(), documentId: 'd', cursor }), cursor);
  });

  test.each([
    ['not base64url JSON', 'bm9wZQ'],
    ['padded base64', `${forge([42])}==`],
    ['JSON with spaces', Buffer.from('[ 42 ]').toString('base64url')],
    ['empty', ''],
    ['10,000 characters', 'A'.repeat(10_000)],
  ])('any cursor: %s', async (_name, cursor) => {
    await refusedBeforeSql(() => listSessions(t.api, { userId: randomUUID(), cursor }), cursor);
    await refusedBeforeSql(() => getConversationWithCitations(t.api, { sessionId: randomUUID(), userId: randomUUID(), before: cursor }), cursor);
  });

  test('the cursors the helpers return are accepted, and lead to the next page', async () => {
    const userId = await insertUser(t.sql);
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await createSession(t.api, { userId }));
    const first = await listSessions(t.api, { userId, limit: 2 });
    const second = await listSessions(t.api, { userId, limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());

    const sessionId = sessions[0]!.id;
    for (let i = 0; i < 3; i++) await addMessage(t.api, { sessionId, userId, role: 'assistant', content: `a${i}`, citations: [{ documentId: 'd', citationIndex: 1 }] });
    const newest = await getConversationWithCitations(t.api, { sessionId, userId, limit: 2 });
    const older = await getConversationWithCitations(t.api, { sessionId, userId, limit: 2, before: newest.nextCursor! });
    expect([...older.messages, ...newest.messages].map((m) => m.content)).toEqual(['a0', 'a1', 'a2']);
    const citing = await listMessagesCitingDocument(t.api, { userId, documentId: 'd', limit: 2 });
    const rest = await listMessagesCitingDocument(t.api, { userId, documentId: 'd', limit: 2, cursor: citing.nextCursor! });
    expect([...citing.items, ...rest.items].map((m) => m.content)).toEqual(['a2', 'a1', 'a0']);
  });
});
