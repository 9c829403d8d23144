/** Citations: what an answer cited, which answers cited a document, and what gets cited most. */
import { type SQL, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import type { MessageCitation } from '../schema/chat.ts';
import {
  type ListMessagesCitingDocumentInput,
  listMessagesCitingDocumentInput,
  type MessageRefInput,
  messageRefInput,
  type TopCitedDocumentsInput,
  topCitedDocumentsInput,
} from '../validators/citations.ts';
import { encodeCursor } from '../validators/cursors.ts';
import {
  type Executor,
  hydrateCitation,
  hydrateMessage,
  type Json,
  type MessageWithCitations,
  parseInput,
  queryRows,
  readOnly,
} from './executor.ts';
import { citationJson, messageJson } from './json.ts';
import type { Page } from './sessions.ts';

/** A message's citations in citation_index order, one round trip. NotFoundError if the message is not the user's. */
export async function getCitationsForMessage(db: Executor, input: MessageRefInput): Promise<MessageCitation[]> {
  const { messageId, userId } = parseInput(messageRefInput, input);
  const [row] = await queryRows<{ citations: Json<MessageCitation>[] }>(
    db,
    sql`
      SELECT coalesce((SELECT json_agg(${citationJson('c')} ORDER BY c.citation_index)
                       FROM message_citations c WHERE c.message_id = m.id), '[]'::json) AS citations
      FROM messages m JOIN chat_sessions s ON s.id = m.session_id
      WHERE m.id = ${messageId} AND s.user_id = ${userId}`,
    'message',
    readOnly,
  );
  if (!row) throw new NotFoundError('message');
  return row.citations.map(hydrateCitation);
}

/**
 * The user's messages that cite a document (or one chunk of it), newest
 * first, each with its citations of that document. Keyset pages, one round trip each.
 */
export async function listMessagesCitingDocument(
  db: Executor,
  input: ListMessagesCitingDocumentInput,
): Promise<Page<MessageWithCitations>> {
  const { userId, documentId, chunkId, limit, cursor } = parseInput(listMessagesCitingDocumentInput, input);
  const conditions: SQL[] = [sql`c.document_id = ${documentId}`, sql`s.user_id = ${userId}`];
  if (chunkId !== undefined) conditions.push(sql`c.chunk_id = ${chunkId}`);
  if (cursor) conditions.push(sql`m.seq < ${cursor[0]}`);
  const rows = await queryRows<{ message: Json<MessageWithCitations> & { citations: Json<MessageCitation>[] } }>(
    db,
    sql`
      SELECT ${messageJson('m', sql`'citations', json_agg(${citationJson('c')} ORDER BY c.citation_index)`)} AS message
      FROM message_citations c
      JOIN messages m ON m.id = c.message_id
      JOIN chat_sessions s ON s.id = m.session_id
      WHERE ${sql.join(conditions, sql` AND `)}
      GROUP BY m.id
      ORDER BY m.seq DESC
      LIMIT ${limit + 1}`,
    'message',
    readOnly,
  );
  const page = rows.slice(0, limit).map(({ message }) => ({
    ...hydrateMessage(message),
    citations: message.citations.map(hydrateCitation),
  }));
  const last = rows.length > limit ? rows[limit - 1]?.message : undefined;
  return { items: page, nextCursor: last ? encodeCursor([last.seq]) : null };
}

export interface CitedDocument {
  documentId: string;
  /** Citations of the document in the window. */
  citations: number;
  /** Distinct answers that cited it. */
  messages: number;
  /** Mean retrieval score of those citations (null when none had a score). */
  meanScore: number | null;
}

/** The most cited documents in a time window, across all users (no message content is returned). */
export async function topCitedDocuments(db: Executor, input: TopCitedDocumentsInput): Promise<CitedDocument[]> {
  const { since, until, limit } = parseInput(topCitedDocumentsInput, input);
  const rows = await queryRows<{ documentId: string; citations: number; messages: number; meanScore: number | null }>(
    db,
    sql`
      SELECT c.document_id AS "documentId", count(*)::int AS citations, count(DISTINCT c.message_id)::int AS messages,
             avg(c.score) AS "meanScore"
      FROM message_citations c
      WHERE c.created_at >= ${since.toISOString()}::timestamptz
        AND c.created_at < ${until?.toISOString() ?? 'infinity'}::timestamptz
      GROUP BY c.document_id
      ORDER BY citations DESC, c.document_id
      LIMIT ${limit}`,
    'citation',
    readOnly,
  );
  return rows.map((row) => ({ ...row, meanScore: row.meanScore === null ? null : Number(row.meanScore) }));
}
