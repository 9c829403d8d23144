/**
 * Input the database would refuse is refused before any SQL, as a
 * ValidationError; what the database still refuses is a ValidationError
 * too, and no message (ours or the kept cause's) repeats the bound value.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.ts';
import {
  addMessages,
  countUserMessagesSince,
  createSession,
  createUser,
  feedbackSummary,
  findUserByEmail,
  purgeSessions,
  upsertProfile,
  withUser,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

/** The error `promise` rejects with, after checking that no statement reached the server. */
async function refusedBeforeSql(call: () => Promise<unknown>): Promise<unknown> {
  const { result, queries } = await t.countQueries(() => call().then(() => undefined, (error: unknown) => error));
  expect(queries).toBe(0);
  return result;
}

describe('dates Postgres cannot store (issue 10.11)', () => {
  const outOfRange = [new Date('0000-01-01T00:00:00Z'), new Date(8.64e15), new Date(Number.NaN), '0000-06-01T00:00:00Z'];

  test.each(outOfRange.map((value) => [String(value), value]))('%s is a ValidationError from every helper that takes a date', async (_, value) => {
    const userId = await insertUser(t.sql);
    const sessionId = (await createSession(t.api, { userId })).id;
    const calls = [
      () => countUserMessagesSince(t.api, { userId, since: value as Date }),
      () => purgeSessions(t.api, { olderThan: value as Date }),
      () => feedbackSummary(t.api, { since: value as Date }),
      () => addMessages(t.api, { sessionId, userId, messages: [{ role: 'user', content: 'x', createdAt: value as Date }] }),
      () => upsertProfile(t.api, { userId, onboardingCompletedAt: value as Date }),
    ];
    for (const call of calls) expect(await refusedBeforeSql(call)).toBeInstanceOf(ValidationError);
  });

  test('the first and last moments of the years 1 to 9999 are stored', async () => {
    const userId = await insertUser(t.sql);
    const sessionId = (await createSession(t.api, { userId })).id;
    const edges = [new Date('0001-01-01T00:00:00.000Z'), new Date('9999-12-31T23:59:59.999Z')];
    await addMessages(t.api, { sessionId, userId, messages: edges.map((createdAt) => ({ role: 'user' as const, content: 'edge', createdAt })) });
    const rows = await t.sql`SELECT to_json(created_at) #>> '{}' AS at FROM messages WHERE session_id = ${sessionId} ORDER BY created_at`;
    expect(rows.map((row) => new Date(row.at as string).toISOString())).toEqual(edges.map((date) => date.toISOString()));
  });
});

describe('a value the database refuses (class 22)', () => {
  test('is a ValidationError whose message and cause do not contain the value', async () => {
    const userId = await insertUser(t.sql);
    const secret = 'not-a-date-4f9c2e';
    const error = await withUser(t.api, { userId }, (tx) => tx.execute(sql`SELECT ${secret}::timestamptz`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('22007');
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause));
    expect(everything).not.toContain(secret);
  });
});

describe('long strings never reach a regular expression (issue 10.12)', () => {
  // 10 million characters of "a." overflowed zod's email pattern with a RangeError.
  const huge = `${'a.'.repeat(5_000_000)}@example.test`;

  test('an email: ValidationError from createUser and findUserByEmail', async () => {
    expect(await refusedBeforeSql(() => createUser(t.api, { email: huge }))).toBeInstanceOf(ValidationError);
    expect(await refusedBeforeSql(() => findUserByEmail(t.api, { email: huge }))).toBeInstanceOf(ValidationError);
  });

  test('a language tag: ValidationError from upsertProfile', async () => {
    const userId = await insertUser(t.sql);
    expect(await refusedBeforeSql(() => upsertProfile(t.api, { userId, preferredLanguage: 'a'.repeat(10_000_000) }))).toBeInstanceOf(ValidationError);
  });
});
