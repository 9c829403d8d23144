/**
 * Messages, seen through the acting user (another user's message is "not
 * found"). Every helper is one statement, so one round trip and atomic on
 * its own; addMessages is one statement per chunk, in one transaction.
 */
import { type SQL, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type ChatSession, messageCitations, messages, searchConfig } from '../schema/chat.ts';
import { citationInput, type MessageRefInput, messageRefInput } from '../validators/citations.ts';
import {
  type AddMessageInput,
  type AddMessagesInput,
  addMessageInput,
  addMessagesInput,
  type CountUserMessagesSinceInput,
  countUserMessagesSinceInput,
  type DeleteMessagesAfterInput,
  deleteMessagesAfterInput,
  type MergeMessageMetadataInput,
  mergeMessageMetadataInput,
  newMessageInput,
  type SearchMessagesInput,
  searchMessagesInput,
} from '../validators/messages.ts';
import { actsForUser, type Executor, parseInput, queryRows, readOnly, transaction } from './executor.ts';
import { boundedMerge, citationJson, citationsOf, recordsetOf, rowColumns } from './json.ts';
import { decodeCitations, decodeRow, type MessageRow, type MessageWithCitations } from './rows.ts';
import { raced, untilNotRaced } from './optimistic.ts';

const config = sql.raw(`'${searchConfig}'::regconfig`);

/**
 * What addMessage and addMessages write: the columns their inputs name
 * (newMessageInput's and citationInput's keys), so a column added to a
 * table and to its input schema is stored with no other edit.
 */
const messageSet = recordsetOf(messages, Object.keys(newMessageInput.shape));
const importedSet = recordsetOf(messages, ['id', ...Object.keys(newMessageInput.shape), 'createdAt']);
const citationSet = recordsetOf(messageCitations, Object.keys(citationInput.shape));
const importedCitationSet = recordsetOf(messageCitations, ['messageId', ...Object.keys(citationInput.shape)]);

/** A row of a message's columns and its `citations` JSON, as the helpers return it. */
type MessageWithCitationsRow = Record<string, unknown> & { citations: Record<string, unknown>[] };
function toMessageWithCitations(row: MessageWithCitationsRow): MessageWithCitations {
  return Object.assign(decodeRow(messages, row), { citations: decodeCitations(row.citations, row.id) });
}

/**
 * Writes one message with its citations and touches the session's
 * updated_at and last_message_at: one INSERT ... INSERT ... UPDATE statement,
 * one round trip, all or nothing. NotFoundError if the session is not the user's.
 * Inside withUser (row-level security), two statements in its transaction:
 * the message, then its citations (see actsForUser).
 */
export async function addMessage(db: Executor, input: AddMessageInput): Promise<MessageWithCitations> {
  const m = parseInput(addMessageInput, input);
  const message = sql`message AS (
        INSERT INTO messages (session_id, ${messageSet.columns()})
        SELECT s.id, ${messageSet.values({ ...m, metadata: m.metadata ?? {} })}
        FROM chat_sessions s
        WHERE s.id = ${m.sessionId} AND s.user_id = ${m.userId}
        RETURNING *
      ), touched AS (
        UPDATE chat_sessions s
        SET updated_at = now(), last_message_at = greatest(s.last_message_at, message.created_at)
        FROM message
        WHERE s.id = message.session_id
      )`;
  // The citations of the message `messageId` names: message.id (the CTE above) or, in a statement of their own, its id.
  const citation = (messageId: SQL, from: SQL) => sql`citation AS (
        INSERT INTO message_citations (message_id, ${citationSet.columns()})
        SELECT ${messageId}, ${citationSet.columns('c')}
        FROM ${from} jsonb_to_recordset(${JSON.stringify(m.citations.map(citationSet.record))}::jsonb) AS c(${citationSet.definition})
        RETURNING *
      )`;
  const citations = sql`(SELECT coalesce(json_agg(${citationJson('citation')} ORDER BY citation.citation_index), '[]'::json) FROM citation)`;
  if (actsForUser(db)) {
    const [row] = await queryRows<MessageWithCitationsRow>(db, sql`WITH ${message} SELECT ${rowColumns(messages, 'message')} FROM message`, 'session');
    if (!row) throw new NotFoundError('session');
    const [cited] = await queryRows<{ citations: Record<string, unknown>[] }>(db, sql`WITH ${citation(sql`${row.id}::uuid`, sql``)} SELECT ${citations} AS citations`, 'session');
    return toMessageWithCitations({ ...row, citations: cited!.citations });
  }
  const [row] = await queryRows<MessageWithCitationsRow>(
    db,
    sql`WITH ${message}, ${citation(sql`message.id`, sql`message,`)} SELECT ${rowColumns(messages, 'message')}, ${citations} AS citations FROM message`,
    'session',
  );
  if (!row) throw new NotFoundError('session');
  return toMessageWithCitations(row);
}

/** Messages per statement in addMessages: each chunk is a handful of parameters, whatever its size. */
export const addMessagesChunkSize = 2_000;

/**
 * Imports many messages into one session, in order, with their citations.
 * Rows travel as one JSON parameter per chunk (so Postgres's 65,535
 * bind-parameter limit never applies), one statement per chunk, all chunks
 * in one transaction. Messages without `createdAt` get increasing times.
 */
export async function addMessages(db: Executor, input: AddMessagesInput): Promise<{ ids: string[] }> {
  const { sessionId, userId, messages } = parseInput(addMessagesInput, input);
  const rows = messages.map((message) => ({ ...message, id: crypto.randomUUID() }));
  const chunks: (typeof rows)[] = [];
  for (let start = 0; start < rows.length; start += addMessagesChunkSize) chunks.push(rows.slice(start, start + addMessagesChunkSize));

  const insertChunk = async (tx: Executor, chunk: typeof rows, after: string | null) => {
    const messageRecords = chunk.map((message) => importedSet.record({ ...message, metadata: message.metadata ?? {} }));
    const citationRows = chunk.flatMap((message) => message.citations.map((citation) => importedCitationSet.record({ ...citation, messageId: message.id })));
    const citation = sql`citation AS (
          INSERT INTO message_citations (${importedCitationSet.columns()})
          SELECT ${importedCitationSet.columns('c')}
          FROM jsonb_to_recordset(${JSON.stringify(citationRows)}::jsonb) AS c(${importedCitationSet.definition})
          WHERE EXISTS (SELECT 1 FROM owner)
        )`;
    // Inside withUser, the citations in a statement of their own, after their messages (see actsForUser).
    const apart = actsForUser(tx) && citationRows.length > 0;
    const [result] = await queryRows<{ owned: boolean; last: string | null }>(
      tx,
      sql`
        WITH owner AS (
          SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
        ), input AS (
          SELECT * FROM ${importedSet.numbered(messageRecords)}
        ), inserted AS (
          INSERT INTO messages (session_id, ${importedSet.columns(undefined, ['createdAt'])}, created_at)
          SELECT owner.id, ${importedSet.columns('m', ['createdAt'])},
                 coalesce(m.created_at, greatest(clock_timestamp(), ${after}::timestamptz) + m.ord * interval '1 microsecond')
          FROM owner, input m
          ORDER BY m.ord
          RETURNING created_at
        )${apart ? sql`` : sql`, ${citation}`}, touched AS (
          UPDATE chat_sessions s
          SET updated_at = now(), last_message_at = greatest(s.last_message_at, (SELECT max(created_at) FROM inserted))
          FROM owner
          WHERE s.id = owner.id
        )
        SELECT EXISTS (SELECT 1 FROM owner) AS owned, to_json((SELECT max(created_at) FROM inserted)) #>> '{}' AS last`,
      'session',
    );
    if (!result?.owned) throw new NotFoundError('session');
    if (apart) {
      await queryRows(tx, sql`WITH owner AS (SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}), ${citation} SELECT 1`, 'session');
    }
    return result.last;
  };

  if (chunks.length === 1) await insertChunk(db, chunks[0]!, null);
  else {
    await transaction(db, 'session', async (tx) => {
      let after: string | null = null;
      for (const chunk of chunks) after = await insertChunk(tx, chunk, after);
    });
  }
  return { ids: rows.map((row) => row.id) };
}

/** NotFoundError if the message does not exist or is in another user's session. */
export async function getMessage(db: Executor, input: MessageRefInput): Promise<MessageWithCitations> {
  const { messageId, userId } = parseInput(messageRefInput, input);
  const [row] = await queryRows<MessageWithCitationsRow>(
    db,
    sql`
      SELECT ${rowColumns(messages, 'm')}, ${citationsOf('m')} AS citations
      FROM messages m JOIN chat_sessions s ON s.id = m.session_id
      WHERE m.id = ${messageId} AND s.user_id = ${userId}`,
    'message',
    readOnly,
  );
  if (!row) throw new NotFoundError('message');
  return toMessageWithCitations(row);
}

/**
 * Merges a patch into a message's metadata, `metadata = metadata || '{...}'`, atomically; a `null` value
 * removes its key. ValidationError, storing nothing, if the result would be
 * over the metadata size limit (see boundedMerge).
 */
export async function mergeMessageMetadata(db: Executor, input: MergeMessageMetadataInput): Promise<MessageRow> {
  const { messageId, userId, metadata } = parseInput(mergeMessageMetadataInput, input);
  const merge = boundedMerge(metadata);
  const owned = sql`m.id = ${messageId} AND s.id = m.session_id AND s.user_id = ${userId}`;
  return untilNotRaced('mergeMessageMetadata', async () => {
    const [row] = await queryRows<Record<string, unknown> & { id: string | null; fits: boolean | null }>(
      db,
      sql`
        WITH updated AS (
          UPDATE messages m SET metadata = ${merge.result(sql`m.metadata`)}
          FROM chat_sessions s, ${merge.patch}
          WHERE ${owned} AND ${merge.fits(sql`m.metadata`)}
          RETURNING m.*
        )
        SELECT ${rowColumns(messages, 'updated')}, seen.fits
        FROM (SELECT (SELECT ${merge.fits(sql`m.metadata`)} FROM messages m, chat_sessions s, ${merge.patch} WHERE ${owned}) AS fits) seen
        LEFT JOIN updated ON true`,
      'message',
    );
    return merge.outcome(messages, 'message', row);
  });
}

/**
 * Edit and regenerate: deletes the message (by `messageId`, or by
 * `sessionId` and `clientId`, the AI SDK's message id) and every later one in its
 * session, in write order (or only the later ones, with `keepMessage`),
 * their citations and feedback by cascade, and resets the session's
 * last_message_at; records each deleted message's role and time in
 * deleted_messages, so rate limits still count it. One statement, one
 * round trip when nothing races it.
 *
 * last_message_at is recomputed from the statement's snapshot, which cannot
 * see a message committed after the statement began: the session row
 * would then get a time older than that message, or NULL, and retention
 * would delete both. So the statement locks the session row and compares
 * the version it locked with the one its snapshot saw (`xmin`); every
 * writer of messages touches that row, so if they differ, something
 * committed in between, the statement changes nothing and runs again on a
 * fresh snapshot (optimistic.ts). Holding the lock, no later writer can
 * slip in: a concurrent addMessage applies its own `greatest(...)` after
 * this commits.
 */
export async function deleteMessagesAfter(db: Executor, input: DeleteMessagesAfterInput): Promise<{ deleted: number }> {
  const { messageId, sessionId, clientId, userId, keepMessage } = parseInput(deleteMessagesAfterInput, input);
  // The pivot by our id, or by the client's id within its session (the unique index on (session_id, client_id) serves it).
  const pivotIs = messageId === undefined ? sql`m.session_id = ${sessionId} AND m.client_id = ${clientId}` : sql`m.id = ${messageId}`;
  // The first message deleted is the pivot's seq + this; every earlier one stays.
  const from = keepMessage ? 1 : 0;
  return untilNotRaced('deleteMessagesAfter', async () => {
    const [row] = await queryRows<{ found: boolean; fresh: boolean | null; deleted: number }>(
      db,
      sql`
        WITH pivot AS (
          SELECT m.session_id, m.seq + ${from}::int AS first_deleted, s.xmin AS seen
          FROM messages m JOIN chat_sessions s ON s.id = m.session_id
          WHERE ${pivotIs} AND s.user_id = ${userId}
        ), locked AS (
          -- Waits for a writer holding the row, then reads the newest committed version: its xmin is the snapshot's only if no one wrote since.
          SELECT s.xmin = p.seen AS fresh
          FROM chat_sessions s JOIN pivot p ON s.id = p.session_id
          FOR NO KEY UPDATE OF s
        ), deleted AS (
          DELETE FROM messages m USING pivot p
          WHERE m.session_id = p.session_id AND m.seq >= p.first_deleted AND (SELECT fresh FROM locked)
          RETURNING m.role, m.created_at
        ), recorded AS (
          -- What was sent stays counted for rate limits (countUserMessagesSince).
          INSERT INTO deleted_messages (user_id, role, sent_at)
          SELECT ${userId}::text, d.role, d.created_at FROM deleted d
        ), touched AS (
          UPDATE chat_sessions s
          SET updated_at = now(),
              last_message_at = (SELECT max(m.created_at) FROM messages m WHERE m.session_id = p.session_id AND m.seq < p.first_deleted)
          FROM pivot p
          WHERE s.id = p.session_id AND (SELECT fresh FROM locked)
        )
        SELECT EXISTS (SELECT 1 FROM pivot) AS found, (SELECT fresh FROM locked) AS fresh, (SELECT count(*) FROM deleted)::int AS deleted`,
      'message',
    );
    // No pivot, or its session deleted meanwhile (nothing to lock).
    if (!row?.found || row.fresh === null) throw new NotFoundError('message');
    return row.fresh ? { deleted: row.deleted } : raced;
  });
}

/**
 * For rate limiting: how many messages (by default the user's own) the user
 * sent since a moment, those since deleted (edits, deleted sessions) included.
 */
export async function countUserMessagesSince(db: Executor, input: CountUserMessagesSinceInput): Promise<number> {
  const { userId, since, role } = parseInput(countUserMessagesSinceInput, input);
  const from = since.toISOString();
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`
      SELECT ((SELECT count(*) FROM chat_sessions s JOIN messages m ON m.session_id = s.id
               WHERE s.user_id = ${userId} AND m.role = ${role} AND m.created_at >= ${from}::timestamptz)
            + (SELECT count(*) FROM deleted_messages d
               WHERE d.user_id = ${userId} AND d.role = ${role} AND d.sent_at >= ${from}::timestamptz))::int AS count`,
    'message',
    readOnly,
  );
  return row!.count;
}

/** A projection, not a row: the message's place and a snippet (getMessage reads the whole message). Types from the tables. */
export interface SearchHit {
  /** The message's id. */
  messageId: MessageRow['id'];
  /** The session it is in. */
  sessionId: MessageRow['sessionId'];
  /** That session's title. */
  sessionTitle: ChatSession['title'];
  /** Who wrote the message. */
  role: MessageRow['role'];
  /** When it was written. */
  createdAt: MessageRow['createdAt'];
  /** How well it matches (Postgres `ts_rank`); higher is better. */
  rank: number;
  /** Fragments of the content around the matches, matched words wrapped in the `highlight` markers. */
  snippet: string;
}

/**
 * Full-text search over the user's messages, best matches first. The query
 * is plain words (plainto_tsquery): quotes, `&`, `|`, `!` and `:*` are just
 * text, never search syntax. Snippets are plain text: escape them before
 * putting them into HTML.
 */
export async function searchMessages(db: Executor, input: SearchMessagesInput): Promise<SearchHit[]> {
  const { userId, query, limit, highlight } = parseInput(searchMessagesInput, input);
  const [start, stop] = highlight.map((marker) => `"${marker}"`); // markers hold no " or , (validated)
  const options = `StartSel=${start}, StopSel=${stop}, MaxFragments=2, MinWords=5, MaxWords=20, FragmentDelimiter=" … "`;
  // Walk the user's sessions and read each one's messages through the session index (OFFSET 0 keeps
  // the subquery from being flattened), then match. A prepared statement soon runs a generic plan, which
  // cannot see the words; without the fence that plan scans the full-text index over every user's
  // messages (measured: 117 ms against 1.4 ms) and grows with the table.
  const rows = await queryRows<Omit<SearchHit, 'createdAt'> & { createdAt: unknown }>(
    db,
    sql`
      SELECT m.id AS "messageId", m.session_id AS "sessionId", s.title AS "sessionTitle", m.role,
             m.created_at AS "createdAt", ts_rank(m.search_vector, q) AS rank,
             ts_headline(${config}, m.content, q, ${options}) AS snippet
      FROM plainto_tsquery(${config}, ${query}) AS q,
           chat_sessions s
           CROSS JOIN LATERAL (SELECT * FROM messages WHERE session_id = s.id OFFSET 0) AS m
      WHERE s.user_id = ${userId} AND m.search_vector @@ q
      ORDER BY rank DESC, m.seq DESC
      LIMIT ${limit}`,
    'message',
    readOnly,
  );
  return rows.map((row) => ({ ...row, createdAt: messages.createdAt.mapFromDriverValue(row.createdAt as string) as MessageRow['createdAt'], rank: Number(row.rank) }));
}
