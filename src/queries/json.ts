/**
 * JSON shapes built inside Postgres, so a helper returns nested results
 * (messages with their citations and feedback) in one round trip. Keys are
 * the camelCase names of the drizzle columns; timestamps come as ISO 8601
 * text with microseconds and are turned into Dates by executor.ts.
 */
import { type SQL, sql } from 'drizzle-orm';

/** `alias` is always one of our own constants, never input. */
const columns = (alias: string, pairs: [string, string][]) =>
  sql.raw(`json_build_object(${pairs.map(([key, column]) => `'${key}', ${alias}.${column}`).join(', ')})`);

export const sessionJson = (alias: string): SQL =>
  columns(alias, [
    ['id', 'id'],
    ['userId', 'user_id'],
    ['title', 'title'],
    ['metadata', 'metadata'],
    ['createdAt', 'created_at'],
    ['updatedAt', 'updated_at'],
    ['lastMessageAt', 'last_message_at'],
    ['archivedAt', 'archived_at'],
    ['lastActivityAt', 'last_activity_at'],
  ]);

export const messageJson = (alias: string): SQL =>
  columns(alias, [
    ['id', 'id'],
    ['sessionId', 'session_id'],
    ['role', 'role'],
    ['content', 'content'],
    ['selectedText', 'selected_text'],
    ['metadata', 'metadata'],
    ['createdAt', 'created_at'],
  ]);

export const citationJson = (alias: string): SQL =>
  columns(alias, [
    ['id', 'id'],
    ['messageId', 'message_id'],
    ['documentId', 'document_id'],
    ['chunkId', 'chunk_id'],
    ['score', 'score'],
    ['citationIndex', 'citation_index'],
    ['title', 'title'],
    ['url', 'url'],
    ['snippet', 'snippet'],
    ['createdAt', 'created_at'],
  ]);

export const feedbackJson = (alias: string): SQL =>
  columns(alias, [
    ['id', 'id'],
    ['messageId', 'message_id'],
    ['userId', 'user_id'],
    ['rating', 'rating'],
    ['reason', 'reason'],
    ['comment', 'comment'],
    ['createdAt', 'created_at'],
    ['updatedAt', 'updated_at'],
  ]);

/** A message's citations, in citation_index order, as a JSON array (the unique index serves it). */
export const citationsOf = (messageAlias: string): SQL =>
  sql`coalesce((SELECT json_agg(${citationJson('c')} ORDER BY c.citation_index) FROM message_citations c WHERE c.message_id = ${sql.raw(messageAlias)}.id), '[]'::json)`;

/** `(metadata || patch) - <keys whose patch value is null>`: the seed's merge, where null removes a key. */
export const mergeJson = (column: SQL, patch: Record<string, unknown>): SQL => {
  const text = JSON.stringify(patch);
  return sql`(${column} || ${text}::jsonb) - ARRAY(SELECT key FROM jsonb_each(${text}::jsonb) WHERE value = 'null'::jsonb)`;
};
