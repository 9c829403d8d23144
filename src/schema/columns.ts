import { sql } from 'drizzle-orm';
import { type AnyPgColumn, customType, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A JSON object column: `NOT NULL DEFAULT '{}'`, typed as a plain record. */
export type JsonObject = Record<string, unknown>;

/** uuid primary key filled by Postgres, so raw SQL inserts need no id. */
export const id = () => uuid('id').primaryKey().defaultRandom();

/**
 * A user id: 1 to 255 printable ASCII characters without spaces (`!` to `~`), compared exactly.
 * Fits the ids auth providers issue (better-auth's 32 alphanumerics, Clerk `user_2abc…`,
 * Auth0 `auth0|…`, WorkOS `user_01H…`, uuids as text) and refuses NUL, control characters,
 * whitespace and non-ASCII. The CHECK constraints and the zod userIdSchema both derive from it.
 */
export const userIdPattern = '^[!-~]{1,255}$';

/** users.id: a text key following userIdPattern, a random uuid's text by default, so createUser and raw SQL inserts need no id. */
export const userIdKey = () => text('id').primaryKey().default(sql`(gen_random_uuid())::text`);

/** timestamptz in UTC, returned as a JS Date. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** created_at / updated_at, both set by the database on insert. */
export const timestamps = () => ({
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/** JSONB holding an object, `{}` by default (a merge, `metadata || '{...}'`, needs an object on the left). */
export const jsonObject = (name: string) =>
  jsonb(name).$type<JsonObject>().notNull().default(sql`'{}'::jsonb`);

/** Postgres `tsvector`, for generated full-text search columns. */
export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

/** SQL for a CHECK that keeps a text column to a fixed list (a CHECK, unlike an enum, can lose a value in a down migration). */
export const isOneOf = (column: AnyPgColumn, values: readonly string[]) =>
  sql`${column} IN (${sql.raw(values.map((value) => `'${value}'`).join(', '))})`;

/** SQL for a CHECK that a text column matches a constant regular expression. */
export const matches = (column: AnyPgColumn, pattern: string) =>
  sql`${column} ~ ${sql.raw(`'${pattern}'`)}`;

/** SQL for a CHECK that a text column holds a user id (userIdPattern). */
export const isUserId = (column: AnyPgColumn) => matches(column, userIdPattern);

/** SQL for a CHECK that a JSONB column holds an object. */
export const isJsonObject = (column: AnyPgColumn) => sql`jsonb_typeof(${column}) = 'object'`;
