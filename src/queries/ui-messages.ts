/**
 * AI SDK conversations: UIMessages saved and loaded losslessly (ids, roles,
 * metadata, every part in order), seen through the acting user. No runtime
 * import of `ai`: messages are typed structurally (UIMessageLike), so the
 * library works with any AI SDK version whose UIMessage is
 * `{ id, role, metadata?, parts }` (v5 to v7).
 *
 * What goes where (README, "AI SDK conversations"): the message's id is
 * `client_id` (unique in its session; our uuid stays `id`), its parts are
 * `parts` (JSONB, as given), its text parts joined are `content` (searched
 * by searchMessages), its metadata object is `metadata`, and each
 * `source-url` / `source-document` part is a citation row, numbered in part
 * order, with document id, chunk id, score and snippet from
 * `providerMetadata.ragChatDb`.
 */
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { messages } from '../schema/chat.ts';
import { encodeCursor } from '../validators/cursors.ts';
import {
  type LoadUIMessagesInput,
  loadUIMessagesInput,
  type SaveUIMessagesInput,
  saveUIMessagesInput,
  type UIMessageLike,
} from '../validators/ui-messages.ts';
import { actsForUser, type Executor, parseInput, queryRows, readOnly } from './executor.ts';
import { recordsetOf } from './json.ts';
import { citationRecordsOf, savedCitations } from './ui-citations.ts';

export type { LoadUIMessagesInput, SaveUIMessagesInput, UIMessageLike };

/** The columns a save writes, by their keys in messages: what the client sends, and what `details` adds. */
const replacedKeys = ['role', 'content', 'parts', 'metadata', 'status'] as const;
const usageKeys = ['model', 'inputTokens', 'outputTokens', 'totalTokens', 'finishReason', 'latencyMs'] as const;
const messageSet = recordsetOf(messages, ['clientId', ...replacedKeys, ...usageKeys]);

const name = (key: string) => (messages as unknown as Record<string, { name: string }>)[key]!.name;
/**
 * ON CONFLICT's SET list: a saved message replaces role, content, parts, metadata and status;
 * usage a save does not give keeps what was stored (a later save of the history carries none).
 */
const newValues = [
  ...replacedKeys.map((key) => [name(key), `excluded."${name(key)}"`] as const),
  ...usageKeys.map((key) => [name(key), `coalesce(excluded."${name(key)}", t."${name(key)}")`] as const),
];
/**
 * ...and only where that changes the row: saving the whole history each turn rewrites (and logs) only the
 * messages that changed, not every earlier one (jsonb compares by value).
 */
const onConflictSet = sql.raw(
  `${newValues.map(([column, value]) => `"${column}" = ${value}`).join(', ')} ` +
    `WHERE (${newValues.map(([column]) => `t."${column}"`).join(', ')}) IS DISTINCT FROM (${newValues.map(([, value]) => value).join(', ')})`,
);
/** One message of a saveUIMessages call: our id, the UIMessage id, and whether the save inserted it. */
export interface SavedUIMessage {
  /** Our uuid (messages.id): what getMessage, setFeedback and getCitationsForMessage take. */
  id: string;
  /** The UIMessage id. */
  clientId: string;
  /** True if this save inserted the message; false if it was stored before (updated in place where it changed, else left as it was). */
  inserted: boolean;
}

/**
 * Saves a conversation's UIMessages (the whole history, as the AI SDK's
 * `onFinish` / `onEnd` give it, or some of it): idempotent, by message id
 * within the session. A message not stored yet is inserted after the
 * session's messages, new ones in array order (write order, `seq`); one
 * stored already is updated in place (role, parts, content, metadata and
 * status; usage only where `details` gives it) and its citations are
 * replaced by its sources; one that did not change is not written at all. Touches the session's updated_at and
 * last_message_at, and sets its active_stream_id when `activeStreamId` is given (a stream id before an answer
 * streams, null when it ended: the AI SDK's resumable streams). One statement, one round trip, all or nothing.
 * NotFoundError if the session is not the user's (nothing is written);
 * ValidationError, before any SQL, for a message or part that cannot be
 * stored (see uiMessageLimits).
 */
export async function saveUIMessages(db: Executor, input: SaveUIMessagesInput): Promise<{ messages: SavedUIMessage[] }> {
  const { sessionId, userId, messages: rows, activeStreamId } = parseInput(saveUIMessagesInput, input);
  const messageRecords = rows.map((row) => messageSet.record(row));
  const citationRecords = rows.flatMap((row) => citationRecordsOf(row.clientId, row.citations));
  // The citations of the messages in `saved` (the upsert's rows). Inside withUser, a statement of its own after the messages (see actsForUser).
  const citations = savedCitations(citationRecords);
  const apart = actsForUser(db);
  const [result] = await queryRows<{ owned: boolean; saved: { id: string | null; clientId: string; inserted: boolean; written: boolean }[] | null }>(
    db,
    sql`
      WITH owner AS (
        SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
      ), input AS (
        SELECT * FROM ${messageSet.numbered(messageRecords)}
      ), saved AS (
        INSERT INTO messages AS t (session_id, ${messageSet.columns()})
        SELECT owner.id, ${messageSet.columns('m')}
        FROM owner, input m
        ORDER BY m.ord
        ON CONFLICT (session_id, client_id) DO UPDATE SET ${onConflictSet}
        RETURNING t.id, t.client_id, t.created_at, (t.xmax = 0) AS inserted
      )${apart ? sql`` : sql`, ${citations}`}, touched AS (
        UPDATE chat_sessions s
        SET updated_at = now(), last_message_at = greatest(s.last_message_at, (SELECT max(created_at) FROM saved WHERE inserted))
            ${activeStreamId === undefined ? sql`` : sql`, active_stream_id = ${activeStreamId}`}
        FROM owner
        WHERE s.id = owner.id
      )
      SELECT EXISTS (SELECT 1 FROM owner) AS owned,
             (SELECT json_agg(json_build_object('id', coalesce(saved.id, kept.id), 'clientId', m.client_id, 'inserted', coalesce(saved.inserted, false),
                                      'written', saved.id IS NOT NULL) ORDER BY m.ord)
              FROM input m
              LEFT JOIN saved ON saved.client_id = m.client_id
              -- An unchanged message is not in saved: its id as the statement's snapshot saw it.
              LEFT JOIN messages kept ON saved.id IS NULL AND kept.session_id = (SELECT id FROM owner) AND kept.client_id = m.client_id) AS saved`,
    'session',
  );
  if (!result?.owned) throw new NotFoundError('session');
  const written = (result.saved ?? []).filter((message) => message.written);
  if (apart && written.length > 0) {
    const rows = written.map((message) => ({ id: message.id, client_id: message.clientId, inserted: message.inserted }));
    await queryRows(
      db,
      sql`WITH saved AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS w(id uuid, client_id text, inserted boolean)), ${citations} SELECT 1`,
      'session',
    );
  }
  const saved = (result.saved ?? []).map(({ written: _, ...message }) => message);
  const unseen = saved.filter((message) => message.id === null).map((message) => message.clientId);
  if (unseen.length > 0) {
    // Unchanged, and committed by a concurrent save after this statement's snapshot was taken: read their ids (a rare second round trip).
    const found = await queryRows<{ id: string; client_id: string }>(
      db,
      sql`SELECT id, client_id FROM messages WHERE session_id = ${sessionId} AND client_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(unseen)}::jsonb))`,
      'session',
      readOnly,
    );
    const ids = new Map(found.map((row) => [row.client_id, row.id]));
    for (const message of saved) if (message.id === null) message.id = ids.get(message.clientId)!;
  }
  return { messages: saved as SavedUIMessage[] };
}

/** What loadUIMessages returns: a page of UIMessages, oldest first, and the cursor of older ones. */
export interface UIMessagePage<M extends UIMessageLike = UIMessageLike> {
  /** Oldest first: the newest `limit` messages (before the cursor, when one is given). */
  messages: M[];
  /** Pass as `before` to read the page of older messages; null when there are none. */
  nextCursor: string | null;
}

type UIMessageRow = { client_id: string | null; role: string; metadata: unknown; parts: unknown; content: string | null; seq: string | number };

/**
 * A session's UIMessages, exactly as saveUIMessages stored them (ids, roles,
 * metadata, every part in order), oldest first: the newest `limit` (100), or
 * those before `before`; `nextCursor` pages further back (keyset on `seq`).
 * A message without parts (written by addMessage, or before parts were kept)
 * is one text part of its content; a `tool` role message is an assistant one;
 * empty metadata (`{}`) is left out. Pass your UIMessage type to type the
 * result: `loadUIMessages<MyUIMessage>(db, ...)`; check it with the AI SDK's
 * `validateUIMessages` when tools or data schemas may have changed since.
 * One round trip. NotFoundError if the session is not the user's.
 */
export async function loadUIMessages<M extends UIMessageLike = UIMessageLike>(db: Executor, input: LoadUIMessagesInput): Promise<UIMessagePage<M>> {
  const { sessionId, userId, limit, before } = parseInput(loadUIMessagesInput, input);
  const olderThanCursor = before === undefined ? sql`` : sql`AND m.seq < ${before[0]}`;
  const rows = await queryRows<UIMessageRow>(
    db,
    sql`
      SELECT m.client_id, m.role, m.metadata, m.parts, m.content, m.seq
      FROM chat_sessions s
      LEFT JOIN LATERAL (
        SELECT m.client_id, m.role, m.metadata, m.parts, CASE WHEN m.parts IS NULL THEN m.content END AS content, m.seq
        FROM messages m
        WHERE m.session_id = s.id ${olderThanCursor}
        ORDER BY m.seq DESC
        LIMIT ${limit + 1}
      ) m ON true
      WHERE s.id = ${sessionId} AND s.user_id = ${userId}
      ORDER BY m.seq DESC`,
    'session',
    readOnly,
  );
  if (rows.length === 0) throw new NotFoundError('session');
  const found = rows[0]!.client_id === null ? [] : rows;
  const more = found.length > limit;
  const page = more ? found.slice(0, limit) : found;
  const result = page.reverse().map((row) => {
    const metadata = messages.metadata.mapFromDriverValue(row.metadata as string) as Record<string, unknown>;
    const parts = row.parts === null ? [{ type: 'text', text: row.content ?? '' }] : messages.parts.mapFromDriverValue(row.parts as string);
    return {
      id: row.client_id!,
      role: row.role === 'tool' ? 'assistant' : row.role,
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
      parts,
    } as unknown as M;
  });
  return { messages: result, nextCursor: more ? encodeCursor([Number(page[0]!.seq)]) : null };
}
