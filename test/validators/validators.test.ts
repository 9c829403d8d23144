/**
 * The zod validators accept what the database accepts and refuse what it
 * refuses, so bad input is caught before any SQL runs.
 */
import { getTableName } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { chatSessions, messageCitations, messageFeedback, messages, userProfiles, users } from '../../src/schema/index.ts';
import {
  insertCitationSchema,
  insertFeedbackSchema,
  insertMessageSchema,
  insertProfileSchema,
  insertSessionSchema,
  insertUserSchema,
  limits,
  selectCitationSchema,
  selectFeedbackSchema,
  selectMessageSchema,
  selectProfileSchema,
  selectSessionSchema,
  selectUserSchema,
} from '../../src/validators/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertMessage, insertSession, insertUser, uniqueEmail } from '../support/factories.ts';

const t = useDatabase();

type Case = { name: string; valid: boolean; row: () => Promise<Record<string, unknown>> };

const deep = (depth: number): Record<string, unknown> => (depth === 0 ? {} : { nested: deep(depth - 1) });

async function parents() {
  const userId = await insertUser(t.sql);
  const sessionId = await insertSession(t.sql, userId);
  const messageId = await insertMessage(t.sql, sessionId, 'assistant');
  return { userId, sessionId, messageId };
}

async function feedbackParents() {
  const { userId, messageId } = await parents();
  return { userId, messageId };
}

const tables = {
  users: { table: users, schema: insertUserSchema },
  user_profiles: { table: userProfiles, schema: insertProfileSchema },
  chat_sessions: { table: chatSessions, schema: insertSessionSchema },
  messages: { table: messages, schema: insertMessageSchema },
  message_citations: { table: messageCitations, schema: insertCitationSchema },
  message_feedback: { table: messageFeedback, schema: insertFeedbackSchema },
} as const;

const cases: Record<keyof typeof tables, Case[]> = {
  users: [
    { name: 'an email only', valid: true, row: async () => ({ email: uniqueEmail() }) },
    { name: 'no email', valid: false, row: async () => ({ displayName: 'x' }) },
    { name: 'a malformed email', valid: false, row: async () => ({ email: 'not an email' }) },
    { name: 'a NUL in the display name', valid: false, row: async () => ({ email: uniqueEmail(), displayName: 'a\u0000b' }) },
  ],
  user_profiles: [
    {
      name: 'the seed profile',
      valid: true,
      row: async () => ({
        userId: await insertUser(t.sql),
        softwareBackground: 'Python, JavaScript',
        hardwareBackground: 'Raspberry Pi',
        experienceLevel: 'intermediate',
        preferredLanguage: 'en',
      }),
    },
    { name: 'an unknown experience level', valid: false, row: async () => ({ userId: await insertUser(t.sql), experienceLevel: 'expert' }) },
    { name: 'a language that is no tag', valid: false, row: async () => ({ userId: await insertUser(t.sql), preferredLanguage: 'English' }) },
    { name: 'extras that are an array', valid: false, row: async () => ({ userId: await insertUser(t.sql), extras: [1, 2] }) },
  ],
  chat_sessions: [
    { name: 'a user id only', valid: true, row: async () => ({ userId: await insertUser(t.sql) }) },
    { name: 'metadata nested too deep', valid: false, row: async () => ({ userId: await insertUser(t.sql), metadata: deep(limits.jsonDepth + 2) }) },
    { name: 'a user id with a space', valid: false, row: async () => ({ userId: 'user 1' }) },
    { name: 'a user id of 256 characters', valid: false, row: async () => ({ userId: 'u'.repeat(256) }) },
  ],
  messages: [
    {
      name: 'a question with selected text',
      valid: true,
      row: async () => ({ sessionId: (await parents()).sessionId, role: 'user', content: 'What?', selectedText: 'DDS' }),
    },
    { name: 'an unknown role', valid: false, row: async () => ({ sessionId: (await parents()).sessionId, role: 'bot', content: 'x' }) },
    { name: 'a lone surrogate', valid: false, row: async () => ({ sessionId: (await parents()).sessionId, role: 'user', content: 'x\ud800' }) },
    {
      name: 'metadata with a NUL',
      valid: false,
      row: async () => ({ sessionId: (await parents()).sessionId, role: 'user', content: 'x', metadata: { a: '\u0000' } }),
    },
  ],
  message_citations: [
    {
      name: 'a seed citation',
      valid: true,
      row: async () => ({ messageId: (await parents()).messageId, documentId: 'module-1-ros2', chunkId: 'chunk_023', score: 0.89, citationIndex: 1 }),
    },
    { name: 'a NaN score', valid: false, row: async () => ({ messageId: (await parents()).messageId, documentId: 'd', score: Number.NaN, citationIndex: 1 }) },
    { name: 'an infinite score', valid: false, row: async () => ({ messageId: (await parents()).messageId, documentId: 'd', score: Infinity, citationIndex: 1 }) },
    { name: 'a negative index', valid: false, row: async () => ({ messageId: (await parents()).messageId, documentId: 'd', citationIndex: -1 }) },
  ],
  message_feedback: [
    { name: 'a thumbs up', valid: true, row: async () => ({ ...(await feedbackParents()), rating: 'up' }) },
    { name: 'a rating of 5', valid: false, row: async () => ({ ...(await feedbackParents()), rating: '5' }) },
  ],
};

describe.each(Object.entries(cases))('%s', (tableName, tableCases) => {
  const { table, schema } = tables[tableName as keyof typeof tables];

  test.each(tableCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const input = await testCase.row();
    const parsed = (schema as z.ZodType).safeParse(input);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(testCase.valid);

    if (testCase.valid) {
      const [stored] = await t.db.insert(table).values(parsed.data as never).returning();
      expect(getTableName(table)).toBe(tableName);
      expect(stored).toMatchObject(input);
    }
  });
});

test('select schemas parse the rows drizzle reads back', async () => {
  const { userId, messageId } = await parents();
  await t.sql`INSERT INTO user_profiles (user_id, preferred_language) VALUES (${userId}, 'ur')`;
  await t.sql`INSERT INTO message_citations (message_id, document_id, citation_index) VALUES (${messageId}, 'd', 1)`;
  await t.sql`INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${messageId}, ${userId}, 'down')`;

  const checks: [z.ZodType, unknown[]][] = [
    [selectUserSchema, await t.db.select().from(users)],
    [selectProfileSchema, await t.db.select().from(userProfiles)],
    [selectSessionSchema, await t.db.select().from(chatSessions)],
    [selectMessageSchema, await t.db.select().from(messages)],
    [selectCitationSchema, await t.db.select().from(messageCitations)],
    [selectFeedbackSchema, await t.db.select().from(messageFeedback)],
  ];
  for (const [schema, rows] of checks) {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(schema.parse(row)).toEqual(row);
  }
});

test('the database refuses what the validators refuse (the checks are not only in TypeScript)', async () => {
  const { sessionId } = await parents();
  await expect(
    t.sql`INSERT INTO messages (session_id, role, content) VALUES (${sessionId}, 'bot', 'x')`,
  ).rejects.toMatchObject({ code: '23514' });
  await expect(
    t.sql`INSERT INTO messages (session_id, role, content) VALUES (${sessionId}, 'user', ${'a\u0000b'})`,
  ).rejects.toMatchObject({ code: '22021' });
});
