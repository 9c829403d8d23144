/**
 * Property-based tests over the public helpers' input: every call either
 * succeeds, with every value read back exactly as given, or fails with
 * ValidationError (NotFoundError for well-formed ids of rows that do not
 * exist), and a failed call changes no row count. No SQL error reaches the caller.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  addMessage,
  createSession,
  createUser,
  getConversationWithCitations,
  listSessions,
  mergeSessionMetadata,
  renameSession,
  searchMessages,
  setFeedback,
  upsertProfile,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';
import type { Sql } from '../support/databases.ts';

const t = useDatabase();
// A fixed seed keeps CI repeatable; FC_SEED=<n> (or FC_SEED=random) explores further.
const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261123);
fc.configureGlobal({ seed });
const runs = { numRuns: 60 };

/** Any UTF-16 code units: NUL, lone surrogates, quotes, backslashes, SQL and tsquery syntax. */
const anyText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom("'); DROP TABLE messages; --", 'a & b | !c:* <-> (d)', '\\x00', '$1', '"quoted"', '\u0000', '\ud800', '\udfff\ud800', ''),
);
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyText,
    fc.double().map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(anyText, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const anyObject = fc.oneof(fc.dictionary(anyText, anyJson, { maxKeys: 4 }), anyJson);
const anyScore = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0));
const anyIndex = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double());

async function rowCounts(sql: Sql) {
  const [row] = await sql`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM user_profiles)::int AS profiles,
    (SELECT count(*) FROM chat_sessions)::int AS sessions, (SELECT count(*) FROM messages)::int AS messages,
    (SELECT count(*) FROM message_citations)::int AS citations, (SELECT count(*) FROM message_feedback)::int AS feedback`;
  return row!;
}

/** Runs a call; on failure, checks the error is a validation (or not-found) error and nothing was written. */
async function succeedsOrRejectsCleanly<T>(call: () => Promise<T>): Promise<T | undefined> {
  const before = await rowCounts(t.sql);
  try {
    return await call();
  } catch (error) {
    expect(error instanceof ValidationError || error instanceof NotFoundError, String(error)).toBe(true);
    expect(await rowCounts(t.sql)).toEqual(before);
    return undefined;
  }
}

describe('hostile input', () => {
  test('addMessage: text, metadata and citations are stored exactly, or refused with nothing written', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    let stored = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.option(anyText),
        anyObject,
        fc.array(fc.record({ documentId: anyText, chunkId: fc.option(anyText), score: fc.option(anyScore), citationIndex: anyIndex, snippet: fc.option(anyText) }), { maxLength: 3 }),
        async (content, selectedText, metadata, citations) => {
          const input = { sessionId: session.id, userId, role: 'user' as const, content, selectedText, metadata, citations } as never;
          const message = await succeedsOrRejectsCleanly(() => addMessage(t.api, input));
          if (!message) return void refused++;
          stored++;
          const [row] = await t.sql`SELECT content, selected_text, metadata FROM messages WHERE id = ${message.id}`;
          expect(row).toEqual({ content, selected_text: selectedText, metadata });
          const back = await t.sql`SELECT document_id, chunk_id, score, citation_index, snippet FROM message_citations WHERE message_id = ${message.id} ORDER BY citation_index`;
          expect(back).toEqual(
            [...citations]
              .sort((a, b) => a.citationIndex - b.citationIndex)
              .map((c) => ({ document_id: c.documentId, chunk_id: c.chunkId, score: c.score, citation_index: c.citationIndex, snippet: c.snippet })),
          );
        },
      ),
      runs,
    );
    expect(stored + refused).toBe(runs.numRuns);
    expect(stored).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('users, profiles, sessions and feedback: every text field', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, anyText, anyText, anyText, anyObject, anyText, async (name, email, background, title, metadata, reason) => {
        const user = await succeedsOrRejectsCleanly(() => createUser(t.api, { email: `${email}@example.test`, displayName: name }));
        if (user) expect((await t.sql`SELECT display_name FROM users WHERE id = ${user.id}`)[0]!.display_name).toBe(name);
        const userId = user?.id ?? (await insertUser(t.sql));

        const profile = await succeedsOrRejectsCleanly(() => upsertProfile(t.api, { userId, softwareBackground: background, preferredLanguage: name } as never));
        if (profile) expect((await t.sql`SELECT software_background FROM user_profiles WHERE user_id = ${userId}`)[0]!.software_background).toBe(background);

        const session = await succeedsOrRejectsCleanly(() => createSession(t.api, { userId, title, metadata } as never));
        if (session) expect((await t.sql`SELECT title, metadata FROM chat_sessions WHERE id = ${session.id}`)[0]).toEqual({ title, metadata });
        const sessionId = session?.id ?? (await createSession(t.api, { userId })).id;

        await succeedsOrRejectsCleanly(() => renameSession(t.api, { sessionId, userId, title: reason }));
        await succeedsOrRejectsCleanly(() => mergeSessionMetadata(t.api, { sessionId, userId, metadata } as never));
        const answer = await addMessage(t.api, { sessionId, userId, role: 'assistant', content: 'answer' });
        const feedback = await succeedsOrRejectsCleanly(() => setFeedback(t.api, { messageId: answer.id, userId, rating: 'down', reason, comment: title }));
        if (feedback) expect((await t.sql`SELECT reason, comment FROM message_feedback WHERE id = ${feedback.id}`)[0]).toEqual({ reason, comment: title });
      }),
      { numRuns: 40 },
    );
  });

  test('searchMessages: any query is plain words; results or ValidationError, never a database error', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    await addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'nodes communicate over DDS topics' });
    await fc.assert(
      fc.asyncProperty(anyText, async (query) => {
        const hits = await succeedsOrRejectsCleanly(() => searchMessages(t.api, { userId, query }));
        if (hits) expect(Array.isArray(hits)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('cursors: any text, and any JSON dressed as a cursor, pages or is a ValidationError before any SQL', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    const forged = fc.oneof(anyText, anyJson.map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')));
    await fc.assert(
      fc.asyncProperty(forged, async (cursor) => {
        for (const call of [
          () => listSessions(t.api, { userId, cursor }),
          () => getConversationWithCitations(t.api, { sessionId: session.id, userId, before: cursor }),
        ]) {
          const { result, queries } = await t.countQueries(() => call().then(() => undefined, (e: unknown) => e));
          if (result !== undefined) {
            expect(result, String(result)).toBeInstanceOf(ValidationError);
            expect(queries).toBe(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('ids that are not uuids, and uuids of nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, fc.uuid()), fc.oneof(anyText, fc.uuid()), async (sessionId, userId) => {
        const error = await getConversationWithCitations(t.api, { sessionId, userId }).catch((e: unknown) => e);
        expect(error instanceof ValidationError || error instanceof NotFoundError).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test('a 10 MB string and metadata nested 10,000 deep are ValidationErrors, not driver failures', async () => {
    const userId = await insertUser(t.sql);
    const session = await createSession(t.api, { userId });
    const huge = 'x'.repeat(10 * 1024 * 1024);
    await expect(addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: huge })).rejects.toBeInstanceOf(ValidationError);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    await expect(createSession(t.api, { userId, metadata: deep as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(addMessage(t.api, { sessionId: session.id, userId, role: 'user', content: 'ok', selectedText: huge })).rejects.toBeInstanceOf(ValidationError);
  });
});
