import { sql } from 'drizzle-orm';
import { type AnyPgColumn, customType, jsonb, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A JSON object column: `NOT NULL DEFAULT '{}'`, typed as a plain record. */
export type JsonObject = Record<string, unknown>;

/** uuid primary key filled by Postgres, so raw SQL inserts need no id. */
export const id = () => uuid('id').primaryKey().defaultRandom();

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

/** SQL for a CHECK that a JSONB column holds an object. */
export const isJsonObject = (column: AnyPgColumn) => sql`jsonb_typeof(${column}) = 'object'`;
