/**
 * The driver matrix: the same helper cases on every supported drizzle
 * driver (issue 11), each given a drizzle instance opened as a backend would
 * open it. Each case checks what the helper returns (types included) and,
 * for writes, the row with an independent select; its round trips are
 * counted on the wire (HTTP requests on Neon HTTP) on a second, warm call
 * and compared with the table in the README. The users have text ids as auth
 * providers issue them (Clerk, Auth0, better-auth, WorkOS), not uuids.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConflictError, DatabaseError, NotFoundError, UnsupportedByDriverError, ValidationError } from '../../src/errors.ts';
import { migrate } from '../../src/migrate/index.ts';
import { driverOf, queryRows } from '../../src/queries/executor.ts';
import * as q from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { installModules } from '../support/databases.ts';
import { driverNames, type OpenDriver, openDriver } from '../support/drivers/open.ts';

const t = useDatabase();
let rls: Promise<void> | undefined;
/** Installs the rls module on the file's database, once. */
const rlsInstalled = () => (rls ??= installModules(t.url, ['rls']));

interface Fixture {
  userId: string;
  sessionId: string;
  messageId: string;
  documentId: string;
}

interface Case {
  /** The helper, as named in the README's table. */
  helper: string;
  call(d: OpenDriver, f: Fixture): Promise<unknown>;
  /** Checks one call's result (and, for writes, the rows written). */
  check(result: any, d: OpenDriver, f: Fixture): Promise<void> | void;
}

/** The session reference most helpers take. */
const ref = (f: Fixture) => ({ sessionId: f.sessionId, userId: f.userId });
const email = () => `driver-${randomUUID()}@example.test`;
const date = expect.any(Date);

/** User ids as auth providers issue them (text, issue 14), in turn: Clerk, Auth0, better-auth, WorkOS. */
let users = 0;
const providerIds = [
  () => `user_${randomUUID().replace(/-/g, '').slice(0, 27)}`,
  () => `auth0|${randomUUID().replace(/-/g, '').slice(0, 24)}`,
  () => randomUUID().replace(/-/g, '').toUpperCase(),
  () => `user_01H${randomUUID().replace(/-/g, '').slice(0, 23).toUpperCase()}`,
];
async function newUser(d: OpenDriver): Promise<string> {
  const id = providerIds[users++ % providerIds.length]!();
  const [row] = await d.raw<{ id: string }>('INSERT INTO users (id, email) VALUES ($1, $2) RETURNING id', [id, email()]);
  return row!.id;
}
async function newSession(d: OpenDriver, userId: string): Promise<string> {
  const [row] = await d.raw<{ id: string }>('INSERT INTO chat_sessions (user_id) VALUES ($1) RETURNING id', [userId]);
  return row!.id;
}
async function newMessage(d: OpenDriver, sessionId: string, content = 'robots talk over DDS'): Promise<string> {
  const [row] = await d.raw<{ id: string }>("INSERT INTO messages (session_id, role, content) VALUES ($1, 'assistant', $2) RETURNING id", [sessionId, content]);
  return row!.id;
}

const cases: Case[] = [
  {
    helper: 'createUser',
    call: (d) => q.createUser(d.db, { email: email(), displayName: 'Ada' }),
    check: async (user, d) => {
      expect(user).toMatchObject({ id: expect.any(String), displayName: 'Ada', createdAt: date });
      expect(await d.raw('SELECT display_name FROM users WHERE id = $1', [user.id])).toEqual([{ display_name: 'Ada' }]);
    },
  },
  { helper: 'getUser', call: (d, f) => q.getUser(d.db, { userId: f.userId }), check: (user, _, f) => expect(user).toMatchObject({ id: f.userId, createdAt: date }) },
  {
    helper: 'findUserByEmail',
    call: async (d, f) => q.findUserByEmail(d.db, { email: (await d.raw<{ email: string }>('SELECT email FROM users WHERE id = $1', [f.userId]))[0]!.email.toUpperCase() }),
    check: (user, _, f) => expect(user?.id).toBe(f.userId),
  },
  {
    helper: 'updateUser',
    call: (d, f) => q.updateUser(d.db, { userId: f.userId, displayName: 'Grace' }),
    check: async (user, d, f) => {
      expect(user).toMatchObject({ displayName: 'Grace', updatedAt: date });
      expect(await d.raw('SELECT display_name FROM users WHERE id = $1', [f.userId])).toEqual([{ display_name: 'Grace' }]);
    },
  },
  {
    helper: 'upsertProfile',
    call: (d, f) => q.upsertProfile(d.db, { userId: f.userId, preferredLanguage: 'en' }),
    check: async (profile, d, f) => {
      expect(profile).toMatchObject({ userId: f.userId, preferredLanguage: 'en', createdAt: date });
      expect(await d.raw('SELECT preferred_language FROM user_profiles WHERE user_id = $1', [f.userId])).toEqual([{ preferred_language: 'en' }]);
    },
  },
  { helper: 'getProfile', call: (d, f) => q.getProfile(d.db, { userId: f.userId }), check: (profile, _, f) => expect(profile).toMatchObject({ userId: f.userId, updatedAt: date }) },
  {
    helper: 'getPersonalizationContext',
    call: (d, f) => q.getPersonalizationContext(d.db, { userId: f.userId }),
    check: (context) => expect(context).toMatchObject({ preferredLanguage: 'en' }),
  },
  {
    helper: 'createSession',
    call: (d, f) => q.createSession(d.db, { userId: f.userId, title: 'ROS 2', metadata: { topic: 'dds' } }),
    check: async (session, d) => {
      expect(session).toMatchObject({ title: 'ROS 2', metadata: { topic: 'dds' }, createdAt: date, lastMessageAt: null });
      expect(await d.raw('SELECT title FROM chat_sessions WHERE id = $1', [session.id])).toEqual([{ title: 'ROS 2' }]);
    },
  },
  { helper: 'getSession', call: (d, f) => q.getSession(d.db, ref(f)), check: (session, _, f) => expect(session).toMatchObject({ id: f.sessionId, updatedAt: date }) },
  {
    helper: 'listSessions',
    call: (d, f) => q.listSessions(d.db, { userId: f.userId, limit: 2 }),
    check: (page) => {
      expect(page.items).toHaveLength(2);
      expect(page.items[0].createdAt).toBeInstanceOf(Date);
      expect(typeof page.nextCursor).toBe('string');
    },
  },
  {
    helper: 'renameSession',
    call: (d, f) => q.renameSession(d.db, { ...ref(f), title: 'Renamed' }),
    check: async (session, d, f) => {
      expect(session).toMatchObject({ title: 'Renamed', updatedAt: date });
      expect(await d.raw('SELECT title FROM chat_sessions WHERE id = $1', [f.sessionId])).toEqual([{ title: 'Renamed' }]);
    },
  },
  {
    helper: 'mergeSessionMetadata',
    call: (d, f) => q.mergeSessionMetadata(d.db, { ...ref(f), metadata: { pinned: true } }),
    check: (session) => expect(session.metadata).toMatchObject({ pinned: true }),
  },
  { helper: 'archiveSession', call: (d, f) => q.archiveSession(d.db, ref(f)), check: (session) => expect(session.archivedAt).toBeInstanceOf(Date) },
  { helper: 'restoreSession', call: (d, f) => q.restoreSession(d.db, ref(f)), check: (session) => expect(session.archivedAt).toBeNull() },
  {
    helper: 'addMessage',
    call: (d, f) =>
      q.addMessage(d.db, {
        ...ref(f),
        role: 'assistant',
        content: 'DDS is the middleware [1].',
        selectedText: 'DDS',
        citations: [{ documentId: f.documentId, chunkId: 'c1', score: 0.9, citationIndex: 1 }],
      }),
    check: async (message, d) => {
      expect(message).toMatchObject({ role: 'assistant', selectedText: 'DDS', createdAt: date, citations: [{ citationIndex: 1, score: 0.9, createdAt: date }] });
      expect(await d.raw('SELECT count(*)::int AS n FROM message_citations WHERE message_id = $1', [message.id])).toEqual([{ n: 1 }]);
    },
  },
  {
    helper: 'addMessages',
    call: (d, f) => q.addMessages(d.db, { ...ref(f), messages: [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'two', citations: [{ documentId: f.documentId, citationIndex: 1 }] }] }),
    check: async ({ ids }, d) => {
      expect(ids).toHaveLength(2);
      expect(await d.raw('SELECT content FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq', [ids])).toEqual([{ content: 'one' }, { content: 'two' }]);
    },
  },
  {
    helper: 'saveUIMessages',
    // The same history on each call: the first call inserts, the second updates in place (idempotent).
    call: (d, f) =>
      q.saveUIMessages(d.db, {
        ...ref(f),
        messages: [
          { id: 'ui-q', role: 'user', parts: [{ type: 'text', text: 'What is DDS?' }] },
          {
            id: 'ui-a',
            role: 'assistant',
            metadata: { model: 'm1' },
            parts: [
              { type: 'step-start' },
              { type: 'source-url', sourceId: 's1', url: 'https://docs.example/dds', title: 'DDS', providerMetadata: { ragChatDb: { documentId: f.documentId, chunkId: 'c1', score: 0.9 } } },
              { type: 'text', text: 'DDS is the middleware [1].' },
            ],
          },
        ],
      }),
    check: async ({ messages }, d) => {
      expect(messages.map((m: { clientId: string }) => m.clientId)).toEqual(['ui-q', 'ui-a']);
      expect(await d.raw("SELECT m.content, count(c.id)::int AS citations FROM messages m LEFT JOIN message_citations c ON c.message_id = m.id WHERE m.id = $1 GROUP BY m.content", [messages[1].id])).toEqual([
        { content: 'DDS is the middleware [1].', citations: 1 },
      ]);
    },
  },
  {
    helper: 'startAssistantMessage',
    // The same id on each call: the first inserts, the second is a retry that finds it streaming.
    call: (d, f) => q.startAssistantMessage(d.db, { ...ref(f), id: 'ui-streamed', streamId: 'stream-1' }),
    check: async (started, d, f) => {
      expect(started).toMatchObject({ id: expect.any(String), clientId: 'ui-streamed', status: 'streaming', streamId: 'stream-1' });
      expect(await d.raw('SELECT active_stream_id FROM chat_sessions WHERE id = $1', [f.sessionId])).toEqual([{ active_stream_id: 'stream-1' }]);
    },
  },
  {
    helper: 'appendToMessage',
    call: (d, f) => q.appendToMessage(d.db, { ...ref(f), id: 'ui-streamed', text: 'DDS ' }),
    check: async (appended, d) => {
      expect(appended).toMatchObject({ clientId: 'ui-streamed', status: 'streaming' });
      const [row] = await d.raw<{ content: string }>('SELECT content FROM messages WHERE id = $1', [appended.id]);
      expect(row!.content).toMatch(/^(DDS )+$/);
    },
  },
  {
    helper: 'finishMessage',
    // A message of its own on each call (started with raw SQL, on another connection): a finished one cannot be finished again.
    call: async (d, f) => {
      const id = `ui-finished-${randomUUID()}`;
      await d.raw("INSERT INTO messages (session_id, client_id, role, content, parts, status) VALUES ($1, $2, 'assistant', 'DDS', '[]', 'streaming')", [f.sessionId, id]);
      return q.finishMessage(d.db, { ...ref(f), id, status: 'aborted', usage: { model: 'm1', totalTokens: 3 } });
    },
    check: async (finished, d) => {
      expect(finished).toMatchObject({ status: 'aborted' });
      expect(await d.raw('SELECT status, content, model, total_tokens FROM messages WHERE id = $1', [finished.id])).toEqual([{ status: 'aborted', content: 'DDS', model: 'm1', total_tokens: 3 }]);
    },
  },
  {
    helper: 'loadUIMessages',
    call: (d, f) => q.loadUIMessages(d.db, ref(f)),
    check: ({ messages }) => {
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m: { id: unknown; parts: unknown }) => typeof m.id === 'string' && Array.isArray(m.parts))).toBe(true);
    },
  },
  {
    helper: 'getMessage',
    call: (d, f) => q.getMessage(d.db, { messageId: f.messageId, userId: f.userId }),
    check: (message, _, f) => expect(message).toMatchObject({ id: f.messageId, createdAt: date, citations: [] }),
  },
  {
    helper: 'mergeMessageMetadata',
    call: (d, f) => q.mergeMessageMetadata(d.db, { messageId: f.messageId, userId: f.userId, metadata: { model: 'm1' } }),
    check: (message) => expect(message).toMatchObject({ metadata: { model: 'm1' }, createdAt: date }),
  },
  {
    helper: 'getConversationWithCitations',
    call: (d, f) => q.getConversationWithCitations(d.db, ref(f)),
    check: (conversation) => {
      expect(conversation.session.createdAt).toBeInstanceOf(Date);
      expect(conversation.messages.length).toBeGreaterThan(0);
      expect(conversation.messages[0].createdAt).toBeInstanceOf(Date);
    },
  },
  {
    helper: 'searchMessages',
    call: (d, f) => q.searchMessages(d.db, { userId: f.userId, query: 'robots' }),
    check: (hits, _, f) => expect(hits.map((hit: { messageId?: string; id?: string }) => hit.messageId ?? hit.id)).toContain(f.messageId),
  },
  {
    helper: 'countUserMessagesSince',
    call: (d, f) => q.countUserMessagesSince(d.db, { userId: f.userId, since: new Date(Date.now() - 3_600_000), role: 'assistant' }),
    check: (count) => expect(count).toEqual(expect.any(Number)),
  },
  {
    helper: 'getCitationsForMessage',
    call: (d, f) => q.getCitationsForMessage(d.db, { messageId: f.messageId, userId: f.userId }),
    check: (citations) => expect(citations).toEqual([]),
  },
  {
    helper: 'listMessagesCitingDocument',
    call: (d, f) => q.listMessagesCitingDocument(d.db, { userId: f.userId, documentId: f.documentId }),
    check: (page) => expect(page.items.length).toBeGreaterThan(0),
  },
  {
    helper: 'topCitedDocuments',
    call: (d) => q.topCitedDocuments(d.db, { since: new Date(Date.now() - 3_600_000) }),
    check: (documents, _, f) => expect(documents.map((document: { documentId: string }) => document.documentId)).toContain(f.documentId),
  },
  {
    helper: 'setFeedback',
    call: (d, f) => q.setFeedback(d.db, { messageId: f.messageId, userId: f.userId, rating: 'up', reason: 'clear' }),
    check: async (feedback, d, f) => {
      expect(feedback).toMatchObject({ rating: 'up', createdAt: date });
      expect(await d.raw('SELECT rating FROM message_feedback WHERE message_id = $1', [f.messageId])).toEqual([{ rating: 'up' }]);
    },
  },
  {
    helper: 'feedbackSummary',
    call: (d) => q.feedbackSummary(d.db, { since: new Date(Date.now() - 3_600_000) }),
    check: (summary) => expect(summary).toMatchObject({ up: expect.any(Number), total: expect.any(Number) }),
  },
  { helper: 'clearFeedback', call: (d, f) => q.clearFeedback(d.db, { messageId: f.messageId, userId: f.userId }), check: (cleared) => expect(typeof cleared).toBe('boolean') },
  {
    helper: 'deleteMessagesAfter',
    call: async (d, f) => q.deleteMessagesAfter(d.db, { messageId: await newMessage(d, f.sessionId), userId: f.userId }),
    check: (result) => expect(result).toEqual({ deleted: 1 }),
  },
  {
    helper: 'deleteSession',
    call: async (d, f) => {
      const sessionId = await newSession(d, f.userId);
      await q.deleteSession(d.db, { sessionId, userId: f.userId });
      return sessionId;
    },
    check: async (sessionId, d) => expect(await d.raw('SELECT id FROM chat_sessions WHERE id = $1', [sessionId])).toEqual([]),
  },
  {
    helper: 'streamUserData',
    call: async (d, f) => {
      const parts = [];
      for await (const part of q.streamUserData(d.db, { userId: f.userId })) parts.push(part);
      return parts;
    },
    check: (parts) => {
      expect(parts[0]).toMatchObject({ type: 'user', user: { createdAt: date } });
      expect(parts.some((part: { type: string }) => part.type === 'messages')).toBe(true);
    },
  },
  {
    helper: 'exportUserDataJson',
    call: async (d, f) => {
      let text = '';
      for await (const piece of q.exportUserDataJson(d.db, { userId: f.userId })) text += piece;
      return JSON.parse(text);
    },
    check: (document, _, f) => expect(document).toMatchObject({ user: { id: f.userId }, sessions: expect.any(Array) }),
  },
  {
    helper: 'eraseUser',
    call: async (d) => {
      const userId = await newUser(d);
      await newMessage(d, await newSession(d, userId));
      return { userId, counts: await q.eraseUser(d.db, { userId }) };
    },
    check: async ({ userId, counts }, d) => {
      expect(counts).toMatchObject({ sessions: 1, messages: 1 });
      expect(await d.raw('SELECT id FROM users WHERE id = $1', [userId])).toEqual([]);
    },
  },
  {
    helper: 'purgeSessions',
    call: (d) => q.purgeSessions(d.db, { olderThan: new Date('2000-01-01') }),
    check: (result) => expect(result).toEqual({ sessions: 0 }),
  },
];

/**
 * Round trips of a warm call (the second: postgres.js prepares a statement
 * on its first), the same on every server driver and in HTTP requests on
 * Neon HTTP. streamUserData (and exportUserDataJson): 2 to learn the
 * modules, 2 for the user and profile, then one per page (the fixture user
 * has 5 sessions by then);
 * eraseUser: the modules, then the statement; purgeSessions: one batch of
 * sessions, one of deletion records.
 */
const multi: Record<string, number> = { streamUserData: 12, exportUserDataJson: 12, eraseUser: 3, purgeSessions: 2 };
const roundTripsOf = (helper: string) => multi[helper] ?? 1;

describe.each(driverNames)('%s', (name) => {
  let d: OpenDriver;
  let f: Fixture;
  const counted: Record<string, number> = {};

  beforeAll(async () => {
    d = await openDriver(name, t.url);
    const userId = await newUser(d);
    const sessionId = await newSession(d, userId);
    await newSession(d, userId);
    await newSession(d, userId);
    f = { userId, sessionId, messageId: await newMessage(d, sessionId), documentId: `doc-${randomUUID()}` };
  }, 60_000);
  afterAll(() => d?.close());

  test('the executor detects the driver, on the database and on a transaction', async () => {
    expect(driverOf(d.db)).toBe(d.driver);
    if (d.interactive) await d.db.transaction(async (tx) => expect(driverOf(tx as never)).toBe(d.driver));
  });

  test.each(cases.map((c) => [c.helper, c] as const))('%s', async (_, c) => {
    await c.check(await c.call(d, f), d, f);
    const before = d.roundTrips();
    await c.check(await c.call(d, f), d, f);
    const after = d.roundTrips();
    if (before !== undefined && after !== undefined) counted[c.helper] = after - before;
  });

  test('session cursors keep microseconds: sessions one microsecond apart page one by one, none skipped or repeated', async () => {
    const userId = await newUser(d);
    const ids = [await newSession(d, userId), await newSession(d, userId), await newSession(d, userId)];
    // The same millisecond, a microsecond apart: a cursor holding a JS Date (milliseconds) would skip or repeat.
    await d.raw(
      `UPDATE chat_sessions SET last_message_at = '2026-01-01T00:00:00.000100Z'::timestamptz + (array_position($2::uuid[], id) * interval '1 microsecond')
       WHERE user_id = $1`,
      [userId, `{${ids.join(',')}}`],
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await q.listSessions(d.db, { userId, limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((session) => session.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && seen.length <= ids.length);
    expect(seen).toEqual([...ids].reverse());
  });

  /** Round trips of `fn` (undefined in process). */
  async function trips(fn: () => Promise<unknown>): Promise<number | undefined> {
    const before = d.roundTrips();
    await fn();
    const after = d.roundTrips();
    return before === undefined || after === undefined ? undefined : after - before;
  }
  /**
   * Warm round trips: BEGIN, the 2 chunks, COMMIT; BEGIN, the setting, fn's
   * one, COMMIT; BEGIN, streamUserData's 9 for this user, COMMIT, and on
   * postgres.js one more (drizzle sends SET TRANSACTION apart from BEGIN there).
   */
  const inTransaction = { 'addMessages (2 chunks)': 4, withUser: 4, exportUserData: name === 'postgres.js' ? 12 : 11 };

  test('multi-statement helpers: one transaction each, or refused before any SQL on Neon HTTP', async () => {
    const many = Array.from({ length: q.addMessagesChunkSize + 1 }, (_, i) => ({ role: 'user' as const, content: `bulk ${i}` }));
    const owner = await newUser(d);
    const sessionId = await newSession(d, owner);
    const userId = await newUser(d); // a small user to export: two sessions, one message
    await newMessage(d, await newSession(d, userId));
    await newSession(d, userId);
    const calls = {
      'addMessages (2 chunks)': () => q.addMessages(d.db, { sessionId, userId: owner, messages: many }),
      withUser: () => q.withUser(d.db, { userId: f.userId }, (tx) => q.getSession(tx, ref(f))),
      exportUserData: async () => expect((await q.exportUserData(d.db, { userId })).sessions).toHaveLength(2),
    };
    const counted: Record<string, number | undefined> = {};
    for (const [helper, call] of Object.entries(calls)) {
      if (d.interactive) {
        await call();
        counted[helper] = await trips(call);
      } else {
        counted[helper] = await trips(() => expect(call()).rejects.toThrow(UnsupportedByDriverError));
        await expect(call()).rejects.toThrow(/neon-serverless/);
      }
    }
    const [counts] = await d.raw<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE session_id = $1', [sessionId]);
    expect(counts!.n).toBe(d.interactive ? 2 * many.length : 0);
    if (d.roundTrips() === undefined) return;
    expect(counted).toEqual(d.interactive ? inTransaction : { 'addMessages (2 chunks)': 0, withUser: 0, exportUserData: 0 });
  });

  test.runIf(name !== 'neon-http')("helpers compose in the caller's transaction (its tx), and roll back with it", async () => {
    const rollback = new Error('rollback');
    let sessionId = '';
    await expect(
      d.db.transaction(async (tx) => {
        sessionId = (await q.createSession(tx as never, { userId: f.userId, title: 'in tx' })).id;
        await q.addMessage(tx as never, { sessionId, userId: f.userId, role: 'user', content: 'in tx' });
        expect(await q.withUser(tx as never, { userId: f.userId }, (inner) => q.getSession(inner, { sessionId, userId: f.userId }))).toMatchObject({ title: 'in tx' });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await d.raw('SELECT id FROM chat_sessions WHERE id = $1', [sessionId])).toEqual([]);
  });

  test.runIf(name !== 'neon-http')('withUser as rag_chat_app, with the rls module: a text user id sees its own sessions only', async () => {
    // The rls module on top of this database (PGlite: in its own); the superuser the other cases run as bypasses it.
    if (name.startsWith('pglite')) await migrate(d.db as never, { scope: 'rls' });
    else await rlsInstalled();
    const other = await newUser(d);
    await newSession(d, other);
    const owners = await q.withUser(d.db, { userId: f.userId, role: 'rag_chat_app' }, (tx) =>
      queryRows<{ userId: string }>(tx, sql`SELECT DISTINCT user_id AS "userId" FROM chat_sessions`, 'session'),
    );
    expect(owners).toEqual([{ userId: f.userId }]);
    expect(f.userId).not.toMatch(/^[0-9a-f]{8}-/);
  });

  test('errors: bad input before any SQL, unique violation, missing parent', async () => {
    expect(await trips(() => expect(q.createSession(d.db, { userId: 'not a user id' })).rejects.toThrow(ValidationError))).toBe(d.roundTrips() === undefined ? undefined : 0);
    const [user] = await d.raw<{ email: string }>('SELECT email FROM users WHERE id = $1', [f.userId]);
    const conflict = await q.createUser(d.db, { email: user!.email.toUpperCase() }).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ constraint: 'users_email_lower_idx', message: 'a user with this email already exists' });
    await expect(q.upsertProfile(d.db, { userId: randomUUID(), preferredLanguage: 'en' })).rejects.toThrow(NotFoundError);
    await expect(q.addMessage(d.db, { sessionId: randomUUID(), userId: f.userId, role: 'user', content: 'x' })).rejects.toThrow(NotFoundError);
  });

  test.runIf(!name.startsWith('pglite'))('a connection lost while a statement runs is a DatabaseError', async () => {
    // The user row is locked elsewhere, so updateUser waits; its server process is then ended.
    const admin = await import('postgres').then(({ default: postgres }) => postgres(t.url, { max: 2, onnotice: () => {} }));
    try {
      const reserved = await admin.reserve();
      await reserved`BEGIN`;
      await reserved`SELECT id FROM users WHERE id = ${f.userId} FOR UPDATE`;
      const update = q.updateUser(d.db, { userId: f.userId, displayName: 'lost' }).catch((error: unknown) => error);
      let pid: number | undefined;
      while (pid === undefined) {
        const [row] = await admin<{ pid: number }[]>`
          SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'update "users"%'`;
        pid = row?.pid;
      }
      await admin`SELECT pg_terminate_backend(${pid})`;
      const error = await update;
      await reserved`ROLLBACK`;
      reserved.release();
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/may or may not have been applied/) });
    } finally {
      await admin.end();
    }
  });

  test('round trips per helper, warm', () => {
    if (d.roundTrips() === undefined) return; // PGlite runs in process: nothing on a wire
    expect(counted).toEqual(Object.fromEntries(cases.map((c) => [c.helper, roundTripsOf(c.helper)])));
  });
});
