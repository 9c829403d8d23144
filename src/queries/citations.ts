/** Citations: what an answer cited, which answers cited a document, and what gets cited most. */
import { type SQL, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type MessageCitation, messages } from '../schema/chat.ts';
import {
  type ListMessagesCitingDocumentInput,
  listMessagesCitingDocumentInput,
  type MessageRefInput,
  messageRefInput,
  type TopCitedDocumentsInput,
  topCitedDocumentsInput,
} from '../validators/citations.ts';
import { type Executor, parseInput, queryRows, readOnly } from './executor.ts';
import { citationJson, citationsOf, rowColumns } from './json.ts';
import { decodeCitations, decodeRow, keysetPage, type MessageWithCitations, type Page } from './rows.ts';

/** A message's citations in citation_index order, one round trip. NotFoundError if the message is not the user's. */
export async function getCitationsForMessage(db: Executor, input: MessageRefInput): Promise<MessageCitation[]> {
  const { messageId, userId } = parseInput(messageRefInput, input);
  const [row] = await queryRows<{ id: string; citations: Record<string, unknown>[] }>(
    db,
    sql`
      SELECT m.id, ${citationsOf('m')} AS citations
      FROM messages m JOIN chat_sessions s ON s.id = m.session_id
      WHERE m.id = ${messageId} AND s.user_id = ${userId}`,
    'message',
    readOnly,
  );
  if (!row) throw new NotFoundError('message');
  return decodeCitations(row.citations, row.id);
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
  const rows = await queryRows<Record<string, unknown> & { seq: string | number; citations: Record<string, unknown>[] }>(
    db,
    sql`
      SELECT ${rowColumns(messages, 'm')}, json_agg(${citationJson('c')} ORDER BY c.citation_index) AS citations
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
  const page = keysetPage(rows, limit, (row) => [Number(row.seq)]);
  return {
    items: page.items.map((row) =>
      Object.assign(decodeRow(messages, row), { citations: decodeCitations(row.citations, row.id) }),
    ),
    nextCursor: page.nextCursor,
  };
}

/** A document in topCitedDocuments' ranking: how often, and by how many answers, it was cited in the window. */
export interface CitedDocument {
  /** The document's id, as the citations gave it. */
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
