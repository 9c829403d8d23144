/**
 * What every helper shares: the executor type (a database or a transaction,
 * on postgres.js or PGlite), input parsing, running raw SQL, and turning the
 * JSON rows our single-statement queries build into typed objects.
 */
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type * as schema from '../schema/index.ts';
import type { ChatSession, Message, MessageCitation, MessageFeedback } from '../schema/index.ts';
import { mapped } from './errors.ts';

/** A drizzle database or transaction with our schema: `createDb()`, `createEmbeddedDb()`, or the `tx` of `db.transaction`. */
export type Executor = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Parses input with its zod schema before any SQL runs; bad input becomes a ValidationError listing zod's issues. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: issue.path, message: issue.message, code: issue.code })),
      { cause: result.error },
    );
  }
  return result.data;
}

/** Runs raw SQL, maps errors, and returns its rows on either driver. */
export async function queryRows<T>(db: Executor, query: SQL, entity: string): Promise<T[]> {
  const result = await mapped(entity, () => db.execute(query));
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A message as the helpers return it (the search column stays in the database). */
export type MessageRow = Omit<Message, 'searchVector'>;
export type MessageWithCitations = MessageRow & { citations: MessageCitation[] };

type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const toDate = (value: string) => new Date(value);
const toDateOrNull = (value: string | null) => (value === null ? null : new Date(value));

export function hydrateSession(row: Json<ChatSession>): ChatSession {
  return {
    ...row,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
    lastMessageAt: toDateOrNull(row.lastMessageAt),
    archivedAt: toDateOrNull(row.archivedAt),
    lastActivityAt: toDate(row.lastActivityAt),
  };
}

export function hydrateMessage(row: Json<MessageRow>): MessageRow {
  return { ...row, createdAt: toDate(row.createdAt) };
}

export function hydrateCitation(row: Json<MessageCitation>): MessageCitation {
  return { ...row, createdAt: toDate(row.createdAt) };
}

export function hydrateFeedback(row: Json<MessageFeedback>): MessageFeedback {
  return { ...row, createdAt: toDate(row.createdAt), updatedAt: toDate(row.updatedAt) };
}

export type { Json };

/** A message as the conversation and export views show it: with its citations and the viewer's feedback. */
export type ConversationMessage = MessageRow & { citations: MessageCitation[]; feedback: MessageFeedback | null };

export function hydrateConversationMessage(
  row: Json<MessageRow> & { citations: Json<MessageCitation>[]; feedback: Json<MessageFeedback> | null },
): ConversationMessage {
  return {
    ...hydrateMessage(row),
    citations: row.citations.map(hydrateCitation),
    feedback: row.feedback ? hydrateFeedback(row.feedback) : null,
  };
}

/** A keyset position: the exact timestamp text Postgres produced (microseconds kept) and the id that breaks ties. */
export interface KeysetPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'cursor'): KeysetPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) {
      return { at, id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ path: [field], message: 'is not a cursor returned by this library' }]);
}
