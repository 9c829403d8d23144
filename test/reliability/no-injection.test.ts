/**
 * No query is built by concatenating input: every value travels as a bound
 * parameter. Statically, every sql.raw / sql.identifier / StringChunk / unsafe call site
 * in src is on a reviewed list; dynamically, driving every helper with a
 * marker in every string, the marker never reaches sql.raw or sql.identifier.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, expect, test, vi } from 'vitest';
import { packageRoot } from '../../src/migrate/files.ts';
import * as helpers from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();
afterEach(() => vi.restoreAllMocks());

/** Reviewed: each feeds only constants (column lists, operators, a text search config) or Postgres's own quoted names. */
const reviewedRawSites: Record<string, number> = {
  'src/schema/columns.ts': 2, // CHECK bodies from constant value lists and patterns
  'src/schema/chat.ts': 2, // the search configuration constant; the client id length bound (a number constant) in its CHECK
  'src/queries/json.ts': 7, // a row's columns and its json_build_object pairs, from the drizzle tables (rows.ts) and a constant alias; a constant table alias; a recordset's column list and definition, its casts and a comma (StringChunk: names and SQL types from the drizzle table)
  'src/queries/messages.ts': 1, // the search configuration (the citation column list is json.ts's recordsetOf now)
  'src/queries/ui-messages.ts': 1, // the ON CONFLICT SET list of messages: column names from the drizzle table and constant key lists
  'src/queries/ui-citations.ts': 1, // the ON CONFLICT SET list of citations: column names from the drizzle table
  'src/queries/export.ts': 3, // a constant table alias (twice); one of two constant time columns (the column lists are json.ts's now)
  'src/queries/installed.ts': 3, // the migrations schema, journal table and module names, constants
  'src/queries/executor.ts': 1, // postgres.js unsafe() with the text drizzle rendered and its bound parameters
  'src/migrate/client.ts': 1, // unsafe() for migration files (trusted code) and bound parameters
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

test('every sql.raw, sql.identifier, new StringChunk and unsafe() call site is a reviewed one', () => {
  const found: Record<string, number> = {};
  for (const file of sourceFiles(join(packageRoot, 'src'))) {
    const count = (readFileSync(file, 'utf8').match(/sql\.raw\(|sql\.identifier\(|\.unsafe\(|new StringChunk\(/g) ?? []).length;
    if (count > 0) found[relative(packageRoot, file)] = count;
  }
  expect(found).toEqual(reviewedRawSites);
});

test('a marker in every string input never reaches sql.raw or sql.identifier', async () => {
  const marker = `zq'"--;${Date.now()}`;
  const raw = vi.spyOn(sql, 'raw');
  const identifier = vi.spyOn(sql, 'identifier');
  const ignore = () => undefined;

  const userId = await insertUser(t.sql);
  const db = t.api;
  await helpers.updateUser(db, { userId, displayName: marker });
  await helpers.findUserByEmail(db, { email: `${marker}@example.test` });
  await helpers.upsertProfile(db, { userId, softwareBackground: marker, hardwareBackground: marker, extras: { [marker]: marker } });
  const session = await helpers.createSession(db, { userId, title: marker, metadata: { [marker]: marker } });
  const ref = { sessionId: session.id, userId };
  await helpers.renameSession(db, { ...ref, title: marker });
  await helpers.mergeSessionMetadata(db, { ...ref, metadata: { [marker]: null, other: marker } });
  const citation = { documentId: marker, chunkId: marker, citationIndex: 1, title: marker, url: marker, snippet: marker };
  const message = await helpers.addMessage(db, { ...ref, role: 'assistant', content: marker, selectedText: marker, metadata: { [marker]: marker }, citations: [citation] });
  await helpers.addMessages(db, { ...ref, messages: [{ role: 'user', content: marker, selectedText: marker, citations: [citation] }] });
  await helpers.mergeMessageMetadata(db, { messageId: message.id, userId, metadata: { [marker]: marker } });
  await helpers.searchMessages(db, { userId, query: marker, highlight: ['<<', '>>'] });
  await helpers.listMessagesCitingDocument(db, { userId, documentId: marker, chunkId: marker });
  await helpers.setFeedback(db, { messageId: message.id, userId, rating: 'up', reason: marker, comment: marker });
  await helpers.getConversationWithCitations(db, { ...ref, before: Buffer.from(JSON.stringify([marker, marker])).toString('base64url') }).catch(ignore);
  await helpers.listSessions(db, { userId, cursor: marker }).catch(ignore);
  await helpers.saveUIMessages(db, {
    ...ref,
    messages: [
      { id: marker, role: 'user', metadata: { [marker]: marker }, parts: [{ type: 'text', text: marker }, { type: `data-${marker}`, id: marker, data: { [marker]: marker } }] },
      { id: `${marker}-a`, role: 'assistant', parts: [{ type: 'source-url', sourceId: marker, url: marker, title: marker, providerMetadata: { ragChatDb: { documentId: marker, chunkId: marker, snippet: marker } } }] },
    ],
    details: { [marker]: { model: marker, finishReason: marker } },
  });
  const streamed = { ...ref, id: `${marker}-s` };
  await helpers.startAssistantMessage(db, { ...streamed, streamId: marker, metadata: { [marker]: marker } });
  await helpers.appendToMessage(db, { ...streamed, text: marker, parts: [{ type: 'text', text: marker }, { type: `data-${marker}`, data: marker }] });
  await helpers.finishMessage(db, {
    ...streamed,
    status: 'aborted',
    parts: [{ type: 'text', text: marker }, { type: 'source-document', sourceId: marker, mediaType: marker, title: marker, providerMetadata: { ragChatDb: { chunkId: marker, snippet: marker } } }],
    usage: { model: marker, finishReason: marker },
  });
  await helpers.loadUIMessages(db, ref);
  await helpers.deleteMessagesAfter(db, { ...ref, clientId: `${marker}-a` });
  await helpers.exportUserData(db, { userId });
  await helpers.withUser(db, { userId, role: 'rag_chat_app' }, async () => undefined).catch(ignore); // the role is bound, never raw

  const reached = [...raw.mock.calls, ...identifier.mock.calls].filter((args) => JSON.stringify(args).includes('zq'));
  expect(reached).toEqual([]);
  expect(raw.mock.calls.length).toBeGreaterThan(0); // the spy saw the helpers' constant fragments
  const [stored] = await t.sql`SELECT content FROM messages WHERE id = ${message.id}`;
  expect(stored!.content).toBe(marker);
});
