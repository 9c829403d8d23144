/** Rows with random unique values, written with plain SQL (never with the code under test). */
import { randomUUID } from 'node:crypto';
import type { Sql } from './databases.ts';

export const uniqueEmail = () => `user-${randomUUID()}@example.test`;

export async function insertUser(sql: Sql, email = uniqueEmail()): Promise<string> {
  const [row] = await sql<{ id: string }[]>`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
  return row!.id;
}

/** A session; without a user id, for a new user (pass an id of your own where `users` is not installed). */
export async function insertSession(sql: Sql, userId?: string): Promise<string> {
  userId ??= await insertUser(sql);
  const [row] = await sql<{ id: string }[]>`INSERT INTO chat_sessions (user_id) VALUES (${userId}) RETURNING id`;
  return row!.id;
}

export async function insertMessage(
  sql: Sql,
  sessionId: string,
  role = 'user',
  content = `message ${randomUUID()}`,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO messages (session_id, role, content) VALUES (${sessionId}, ${role}, ${content}) RETURNING id`;
  return row!.id;
}

export async function insertCitation(sql: Sql, messageId: string, citationIndex = 1): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO message_citations (message_id, document_id, chunk_id, score, citation_index)
    VALUES (${messageId}, 'doc', 'chunk', 0.5, ${citationIndex}) RETURNING id`;
  return row!.id;
}

export async function insertFeedback(sql: Sql, messageId: string, userId: string, rating = 'up'): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO message_feedback (message_id, user_id, rating) VALUES (${messageId}, ${userId}, ${rating}) RETURNING id`;
  return row!.id;
}

/** Number of rows in a table matching a column value. */
export async function countWhere(sql: Sql, table: string, column: string, value: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${sql(table)} WHERE ${sql(column)} = ${value}`;
  return row!.n;
}
