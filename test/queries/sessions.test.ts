import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  archiveSession,
  createSession,
  deleteSession,
  getSession,
  listSessions,
  mergeSessionMetadata,
  renameSession,
  restoreSession,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertMessage, insertUser } from '../support/factories.ts';

const t = useDatabase();

describe('sessions', () => {
  test('create, get, rename, archive, restore, delete: one round trip each, each seen by an independent SELECT', async () => {
    const userId = await insertUser(t.sql);
    const { result: session, queries } = await t.countQueries(() => createSession(t.api, { userId, title: 'ROS 2', metadata: { chapter: 1 } }));
    expect(queries).toBe(1);
    expect(await getSession(t.api, { sessionId: session.id, userId })).toEqual(session);

    for (const step of [
      () => renameSession(t.api, { sessionId: session.id, userId, title: 'DDS' }),
      () => archiveSession(t.api, { sessionId: session.id, userId }),
    ]) {
      expect((await t.countQueries(step)).queries).toBe(1);
    }
    const [archived] = await t.sql`SELECT title, archived_at FROM chat_sessions WHERE id = ${session.id}`;
    expect(archived!.title).toBe('DDS');
    expect(archived!.archived_at).toBeInstanceOf(Date);

    await restoreSession(t.api, { sessionId: session.id, userId });
    const [restored] = await t.sql`SELECT archived_at FROM chat_sessions WHERE id = ${session.id}`;
    expect(restored!.archived_at).toBeNull();

    await insertMessage(t.sql, session.id);
    await deleteSession(t.api, { sessionId: session.id, userId });
    const [left] = await t.sql`SELECT (SELECT count(*) FROM chat_sessions WHERE id = ${session.id})::int AS s,
                                      (SELECT count(*) FROM messages WHERE session_id = ${session.id})::int AS m`;
    expect(left).toEqual({ s: 0, m: 0 });
  });

  test('mergeSessionMetadata: atomic ||, and null removes a key', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId, metadata: { personalized: false, chapter: 'module-1', keep: 1 } });
    await mergeSessionMetadata(t.api, { sessionId: session.id, userId, metadata: { personalized: true, chapter: null, new: { a: 1 } } });
    const [row] = await t.sql`SELECT metadata FROM chat_sessions WHERE id = ${session.id}`;
    expect(row!.metadata).toEqual({ personalized: true, keep: 1, new: { a: 1 } });
  });

  test("another user's session is NotFound for every helper, and is left unchanged", async () => {
    const owner = await insertUser(t.sql);
    const stranger = await insertUser(t.sql);
    const session = await createSession(t.api, { userId: owner, title: 'mine' });
    const ref = { sessionId: session.id, userId: stranger };
    for (const call of [
      () => getSession(t.api, ref),
      () => renameSession(t.api, { ...ref, title: 'stolen' }),
      () => mergeSessionMetadata(t.api, { ...ref, metadata: { x: 1 } }),
      () => archiveSession(t.api, ref),
      () => restoreSession(t.api, ref),
      () => deleteSession(t.api, ref),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(NotFoundError);
    }
    const [row] = await t.sql`SELECT title, metadata, archived_at FROM chat_sessions WHERE id = ${session.id}`;
    expect(row).toEqual({ title: 'mine', metadata: {}, archived_at: null });
  });

  test('bad input is a ValidationError', async () => {
    await expect(createSession(t.api, { userId: 'user 1' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listSessions(t.api, { userId: randomUUID(), limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(listSessions(t.api, { userId: randomUUID(), cursor: 'garbage' })).rejects.toThrow('cursor: is not a cursor returned by this library');
  });
});

describe('listSessions', () => {
  test('keyset pages over 1,050 sessions with tied timestamps: every session once, in order, one round trip a page', async () => {
    const userId = await insertUser(t.sql);
    // 1,050 sessions whose latest activity falls on only 7 distinct instants, so most neighbours tie.
    await t.sql`
      INSERT INTO chat_sessions (user_id, last_message_at)
      SELECT ${userId}, timestamptz '2026-01-01 00:00:00.123456+00' + (i % 7) * interval '1 minute'
      FROM generate_series(1, 1050) AS i`;
    const archivedOne = await createSession(t.api, { userId });
    await archiveSession(t.api, { sessionId: archivedOne.id, userId });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { result, queries } = await t.countQueries(() => listSessions(t.api, { userId, limit: 100, cursor }));
      expect(queries).toBe(1);
      seen.push(...result.items.map((session) => session.id));
      cursor = result.nextCursor ?? undefined;
      pages++;
    } while (cursor);

    const expected = await t.sql`SELECT id FROM chat_sessions WHERE user_id = ${userId} AND archived_at IS NULL
                                 ORDER BY last_activity_at DESC, id DESC`;
    expect(seen).toEqual(expected.map((row) => row.id));
    expect(new Set(seen).size).toBe(1050);
    expect(pages).toBe(11);

    const archived = await listSessions(t.api, { userId, archived: true });
    expect(archived).toEqual({ items: [expect.objectContaining({ id: archivedOne.id })], nextCursor: null });
  });

  test('a session with a new message moves to the top', async () => {
    const userId = await insertUser(t.sql);
    const older = await createSession(t.api, { userId, title: 'older' });
    await createSession(t.api, { userId, title: 'newer' });
    await t.sql`UPDATE chat_sessions SET last_message_at = now() + interval '1 second' WHERE id = ${older.id}`;
    const { items } = await listSessions(t.api, { userId });
    expect(items.map((session) => session.title)).toEqual(['older', 'newer']);
  });
});
