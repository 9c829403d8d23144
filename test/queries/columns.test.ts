/**
 * Result shapes come from the drizzle tables: every object a helper returns
 * as a row of a table has exactly the table's columns (getTableColumns, but
 * the documented omissions), each value as its column decodes it; and the
 * result types are the tables' `$inferSelect`. new-column.test.ts adds a
 * column to every table and checks that it reaches every result.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgTable } from 'drizzle-orm/pg-core';
import { expect, expectTypeOf, test } from 'vitest';
import { closeDb, createEmbeddedDb } from '../../src/connection/create-db.ts';
import { openEmbedded } from '../../src/migrate/client.ts';
import { migrate } from '../../src/migrate/index.ts';
import * as helpers from '../../src/queries/index.ts';
import { omittedColumns } from '../../src/queries/rows.ts';
import type { ChatSession, DeletedMessage, Message, MessageCitation, MessageFeedback, User, UserProfile } from '../../src/schema/index.ts';
import { messages } from '../../src/schema/index.ts';
import { useDatabase } from '../support/context.ts';
import { columnProblems, everyResult } from '../support/every-result.ts';

const t = useDatabase();

test('every helper returns every column of its table, decoded as the column decodes it', async () => {
  const results = await everyResult(t.api);
  expect(columnProblems(results)).toEqual([]);
  const tables = new Set<PgTable>(results.map((result) => result.table));
  expect(tables.size).toBe(7); // users, profiles, sessions, messages, citations, feedback, deletion records
  expect(results.length).toBeGreaterThan(40);
});

test('the same on PGlite (its own driver values; the same JSON)', { timeout: 60_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rcdb-pglite-')), 'db');
  const client = await openEmbedded(dir);
  await migrate(client, { scope: 'all' });
  await client.close();
  const db = await createEmbeddedDb(dir);
  try {
    const results = await everyResult(db);
    expect(columnProblems(results)).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  } finally {
    await closeDb(db);
  }
});

test('the only column no helper returns is the search vector', () => {
  expect([...omittedColumns]).toEqual([[messages, ['searchVector']]]);
});

test("result types are the tables' $inferSelect", () => {
  type MessageRow = Omit<Message, 'searchVector'>;
  expectTypeOf<helpers.MessageRow>().toEqualTypeOf<MessageRow>();
  expectTypeOf(helpers.getMessage).returns.resolves.toEqualTypeOf<MessageRow & { citations: MessageCitation[] }>();
  expectTypeOf(helpers.addMessage).returns.resolves.toEqualTypeOf<MessageRow & { citations: MessageCitation[] }>();
  expectTypeOf(helpers.mergeMessageMetadata).returns.resolves.toEqualTypeOf<MessageRow>();
  expectTypeOf<helpers.ConversationMessage>().toEqualTypeOf<MessageRow & { citations: MessageCitation[]; feedback: MessageFeedback | null }>();
  expectTypeOf(helpers.getConversationWithCitations).returns.resolves.toHaveProperty('session').toEqualTypeOf<ChatSession>();
  expectTypeOf(helpers.listMessagesCitingDocument).returns.resolves.toHaveProperty('items').toEqualTypeOf<(MessageRow & { citations: MessageCitation[] })[]>();
  expectTypeOf(helpers.getCitationsForMessage).returns.resolves.toEqualTypeOf<MessageCitation[]>();
  expectTypeOf(helpers.setFeedback).returns.resolves.toEqualTypeOf<MessageFeedback>();
  expectTypeOf(helpers.listSessions).returns.resolves.toHaveProperty('items').toEqualTypeOf<ChatSession[]>();
  expectTypeOf(helpers.mergeSessionMetadata).returns.resolves.toEqualTypeOf<ChatSession>();
  expectTypeOf(helpers.getUser).returns.resolves.toEqualTypeOf<User>();
  expectTypeOf(helpers.getProfile).returns.resolves.toEqualTypeOf<UserProfile>();
  expectTypeOf<helpers.UserExport['deletedMessages']>().toEqualTypeOf<DeletedMessage[]>();
  expectTypeOf<helpers.UserExport['sessions'][number]>().toEqualTypeOf<ChatSession & { messages: helpers.ConversationMessage[] }>();
});
