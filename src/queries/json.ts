/**
 * JSON shapes built inside Postgres, so a helper returns nested results
 * (messages with their citations and feedback) in one round trip. Keys are
 * the camelCase names of the drizzle columns and the columns come from the
 * tables themselves, so a new column appears in every shape; timestamps
 * come as ISO 8601 text with microseconds and are turned into Dates by
 * executor.ts.
 */
import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { chatSessions, messageCitations, messageFeedback, messages } from '../schema/chat.ts';

/** Columns the helpers never return: the search vector stays in the database. */
const hidden = new Map<PgTable, readonly string[]>([[messages, ['searchVector']]]);

/** A table's returned columns as `[key, column name]`, in declaration order. */
function columnsOf(table: PgTable): [string, string][] {
  return Object.entries(getTableColumns(table))
    .filter(([key]) => !hidden.get(table)?.includes(key))
    .map(([key, column]) => [key, column.name]);
}

/**
 * `json_build_object('id', m.id, ...)` over a table's columns, plus `extra`
 * pairs when given. `alias` is always one of our own constants, never input.
 */
const rowJson =
  (table: PgTable) =>
  (alias: string, extra?: SQL): SQL => {
    const pairs = sql.raw(columnsOf(table).map(([key, column]) => `'${key}', ${alias}.${column}`).join(', '));
    return extra ? sql`json_build_object(${pairs}, ${extra})` : sql`json_build_object(${pairs})`;
  };

export const sessionJson = rowJson(chatSessions);
export const messageJson = rowJson(messages);
export const citationJson = rowJson(messageCitations);
export const feedbackJson = rowJson(messageFeedback);

/** `m.id, m.session_id, ...`: a message's returned columns under their own names, for rows decoded with decodeRow. */
export const messageColumns = (alias: string): SQL => sql.raw(columnsOf(messages).map(([, column]) => `${alias}.${column}`).join(', '));

/** A message's citations, in citation_index order, as a JSON array (the unique index serves it). */
export const citationsOf = (messageAlias: string): SQL =>
  sql`coalesce((SELECT json_agg(${citationJson('c')} ORDER BY c.citation_index) FROM message_citations c WHERE c.message_id = ${sql.raw(messageAlias)}.id), '[]'::json)`;

/** `(metadata || patch) - <keys whose patch value is null>`: the seed's merge, where null removes a key. */
export const mergeJson = (column: SQL, patch: Record<string, unknown>): SQL => {
  const text = JSON.stringify(patch);
  return sql`(${column} || ${text}::jsonb) - ARRAY(SELECT key FROM jsonb_each(${text}::jsonb) WHERE value = 'null'::jsonb)`;
};
