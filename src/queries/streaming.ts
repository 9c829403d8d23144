/**
 * Streaming answers (AI SDK conversations, issue 13): an assistant message
 * is started as `streaming`, grows as text and parts arrive, and is finished
 * as `complete`, `error` or `aborted` with its usage; a client that drops
 * mid-answer leaves its partial text stored and searchable. Each step is one
 * statement, one round trip (inside withUser too, except finishMessage with
 * final parts holding sources: their citations are a second statement).
 * Messages are named by their UIMessage id (`client_id`) within a session
 * the acting user owns; another user's session or message is not found.
 */
import { sql } from 'drizzle-orm';
import { MessageNotStreamingError, NotFoundError, ValidationError } from '../errors.ts';
import type { MessageStatus } from '../schema/chat.ts';
import { defaultLimits } from '../validators/common.ts';
import {
  type AppendToMessageInput,
  appendToMessageInput,
  contentSeparator,
  type FinishMessageInput,
  finishMessageInput,
  type StartAssistantMessageInput,
  startAssistantMessageInput,
  uiMessageLimits,
} from '../validators/ui-messages.ts';
import { actsForUser, type Executor, parseInput, queryRows } from './executor.ts';
import { citationRecordsOf, savedCitations } from './ui-citations.ts';

export type { AppendToMessageInput, FinishMessageInput, StartAssistantMessageInput };

/** The assistant message appendToMessage and finishMessage changed: its ids and its status after the call. */
export interface StreamingMessage {
  /** Our uuid (messages.id): what getMessage, setFeedback and getCitationsForMessage take. */
  id: string;
  /** The UIMessage id. */
  clientId: string;
  /** The message's status after the call. */
  status: MessageStatus;
}

/** What startAssistantMessage returns: the message, the session's active stream id, and whether this call inserted it. */
export interface StartedMessage extends StreamingMessage {
  /** The session's active stream id, now this answer's. */
  streamId: string;
  /** True if this call inserted the message; false for a retry that found it still streaming. */
  inserted: boolean;
}

/**
 * Starts an assistant answer: inserts the message (UIMessage id `id`) with
 * status `streaming`, no parts and no text yet, after the session's
 * messages; sets the session's `active_stream_id` to `streamId` (default:
 * `id`) for resuming the stream, and touches its updated_at and
 * last_message_at as addMessage does. Idempotent on `id`: a retry while the
 * message is still streaming returns it (and makes `streamId` the active
 * stream again); once it is finished, MessageNotStreamingError. One
 * statement. NotFoundError if the session is not the user's.
 */
export async function startAssistantMessage(db: Executor, input: StartAssistantMessageInput): Promise<StartedMessage> {
  const { sessionId, userId, id, streamId = id, metadata } = parseInput(startAssistantMessageInput, input);
  const [row] = await queryRows<{ owned: boolean; id: string | null; status: MessageStatus | null; role: string | null; inserted: boolean }>(
    db,
    sql`
      WITH owner AS (
        SELECT id FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
      ), inserted AS (
        INSERT INTO messages (session_id, client_id, role, content, parts, metadata, status)
        SELECT owner.id, ${id}, 'assistant', '', '[]'::jsonb, ${JSON.stringify(metadata ?? {})}::jsonb, 'streaming'
        FROM owner
        ON CONFLICT (session_id, client_id) DO NOTHING
        RETURNING id, created_at
      ), existing AS (
        SELECT m.id, m.status, m.role FROM messages m, owner WHERE m.session_id = owner.id AND m.client_id = ${id}
      ), touched AS (
        UPDATE chat_sessions s
        SET updated_at = now(), active_stream_id = ${streamId},
            last_message_at = greatest(s.last_message_at, (SELECT created_at FROM inserted))
        FROM owner
        WHERE s.id = owner.id
          AND (EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM existing WHERE status = 'streaming' AND role = 'assistant'))
      )
      SELECT EXISTS (SELECT 1 FROM owner) AS owned,
             coalesce((SELECT id FROM inserted), (SELECT id FROM existing)) AS id,
             CASE WHEN EXISTS (SELECT 1 FROM inserted) THEN 'streaming' ELSE (SELECT status FROM existing) END AS status,
             CASE WHEN EXISTS (SELECT 1 FROM inserted) THEN 'assistant' ELSE (SELECT role FROM existing) END AS role,
             EXISTS (SELECT 1 FROM inserted) AS inserted`,
    'session',
  );
  if (!row?.owned) throw new NotFoundError('session');
  if (row.id === null) {
    // Inserted by a concurrent call after this statement's snapshot: a retry reads it.
    throw new MessageNotStreamingError('being started by a concurrent call');
  }
  if (row.status !== 'streaming' || row.role !== 'assistant') throw new MessageNotStreamingError(row.role === 'assistant' ? row.status! : `a ${row.role} message`);
  return { id: row.id, clientId: id, status: 'streaming', streamId, inserted: row.inserted };
}

/** The message `id` of the session, if the session is the user's. */
const target = (sessionId: string, userId: string, id: string) => sql`
  SELECT m.id, m.status FROM messages m JOIN chat_sessions s ON s.id = m.session_id
  WHERE s.id = ${sessionId} AND s.user_id = ${userId} AND m.client_id = ${id}`;

/**
 * Appends to a streaming message as its answer arrives: `text` to the last
 * part when that is a text part (else as a new text part), then whole
 * `parts` (a tool call, a source, a data part, a step marker); `content`
 * grows alike (text parts joined by a blank line, as saveUIMessages derives
 * it), so searchMessages finds a partial answer. One UPDATE, one round
 * trip; concurrent appends to one message apply one after the other.
 * MessageNotStreamingError, writing nothing, once the message is finished;
 * NotFoundError for a message (or session) that is not the user's;
 * ValidationError when the message would exceed its bounds (content
 * `limits.content` characters, `uiMessageLimits.parts` parts).
 */
export async function appendToMessage(db: Executor, input: AppendToMessageInput): Promise<StreamingMessage> {
  const { sessionId, userId, id, text = '', parts, partsContent } = parseInput(appendToMessageInput, input);
  const lastIsText = sql`(coalesce(m.parts, '[]'::jsonb) -> -1 ->> 'type') IS NOT DISTINCT FROM 'text'`;
  const hasText = sql`jsonb_path_exists(coalesce(m.parts, '[]'::jsonb), '$[*] ? (@.type == "text")')`;
  const newParts = sql`(CASE
      WHEN ${text} = '' THEN coalesce(m.parts, '[]'::jsonb)
      WHEN ${lastIsText} THEN jsonb_set(m.parts, '{-1,text}', to_jsonb(coalesce(m.parts -> -1 ->> 'text', '') || ${text}))
      ELSE coalesce(m.parts, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('type', 'text', 'text', ${text}::text))
    END) || ${JSON.stringify(parts ?? [])}::jsonb`;
  // A separator before new text where a text part precedes it (the content of text parts joined, as contentOfParts has it).
  const newContent = sql`m.content
      || CASE WHEN ${text} <> '' AND NOT ${lastIsText} AND ${hasText} THEN ${contentSeparator} ELSE '' END || ${text}
      || CASE WHEN ${partsContent ?? null}::text IS NULL THEN ''
              WHEN ${text} <> '' OR ${hasText} THEN ${contentSeparator} || ${partsContent ?? null}::text
              ELSE ${partsContent ?? null}::text END`;
  const [row] = await queryRows<{ id: string | null; status: MessageStatus | null; appended: boolean; content_length: number | null; part_count: number | null }>(
    db,
    sql`
      WITH target AS (${target(sessionId, userId, id)}
      ), appended AS (
        UPDATE messages m
        SET parts = ${newParts}, content = ${newContent}
        FROM target
        WHERE m.id = target.id AND m.status = 'streaming'
          AND char_length(${newContent}) <= ${defaultLimits.content}
          AND jsonb_array_length(${newParts}) <= ${uiMessageLimits.parts}
        RETURNING m.id
      )
      SELECT (SELECT id FROM target) AS id, (SELECT status FROM target) AS status, EXISTS (SELECT 1 FROM appended) AS appended,
             (SELECT char_length(${newContent}) FROM messages m, target WHERE m.id = target.id AND NOT EXISTS (SELECT 1 FROM appended)) AS content_length,
             (SELECT jsonb_array_length(${newParts}) FROM messages m, target WHERE m.id = target.id AND NOT EXISTS (SELECT 1 FROM appended)) AS part_count`,
    'message',
  );
  if (!row?.id) throw new NotFoundError('message');
  if (row.appended) return { id: row.id, clientId: id, status: 'streaming' };
  if (row.status === 'streaming' && row.content_length !== null && row.content_length > defaultLimits.content) {
    throw new ValidationError([{ path: ['text'], message: `the text parts of a message must be at most ${defaultLimits.content} characters together` }]);
  }
  if (row.status === 'streaming' && row.part_count !== null && row.part_count > uiMessageLimits.parts) {
    throw new ValidationError([{ path: ['parts'], message: `at most ${uiMessageLimits.parts} parts` }]);
  }
  // Not streaming, or finished by a concurrent call after this statement's snapshot.
  throw new MessageNotStreamingError(row.status === 'streaming' ? 'finished' : row.status!);
}

/**
 * Finishes a streaming message: its final `status` (`complete`, `error`, or
 * `aborted` for a client that went away: the text so far stays), its final
 * `parts` if given (replacing those appended; content derived from their
 * text parts as saveUIMessages does), and its usage (`model`,
 * `inputTokens`, `outputTokens`, `totalTokens`, `finishReason`,
 * `latencyMs`: typed columns). Clears the session's `active_stream_id` when
 * this message is the session's newest streaming one (a newer answer
 * started since keeps its stream). One statement, one round trip.
 * MessageNotStreamingError, writing nothing, if the message is finished
 * already; NotFoundError for a message that is not the user's. Final
 * `parts` also replace the message's citation rows by their sources
 * (`source-url`, `source-document`), as saveUIMessages makes them; inside
 * withUser those are a second statement (see actsForUser). Sources only
 * appended, with no final parts, stay parts without citation rows.
 */
export async function finishMessage(db: Executor, input: FinishMessageInput): Promise<StreamingMessage> {
  const { sessionId, userId, id, status, parts, content, citations, usage = {} } = parseInput(finishMessageInput, input);
  // Final parts replace the message's citations by their sources; inside withUser in a statement of their own, after (see actsForUser).
  const cite = citations === undefined ? undefined : savedCitations(citationRecordsOf(id, citations));
  const apart = cite !== undefined && actsForUser(db);
  const [row] = await queryRows<{ id: string | null; status: MessageStatus | null; finished: boolean }>(
    db,
    sql`
      WITH target AS (${target(sessionId, userId, id)}
      ), saved AS (
        UPDATE messages m
        SET status = ${status},
            parts = coalesce(${parts === undefined ? null : JSON.stringify(parts)}::jsonb, m.parts),
            content = coalesce(${content ?? null}::text, m.content),
            model = coalesce(${usage.model ?? null}::text, m.model),
            input_tokens = coalesce(${usage.inputTokens ?? null}::integer, m.input_tokens),
            output_tokens = coalesce(${usage.outputTokens ?? null}::integer, m.output_tokens),
            total_tokens = coalesce(${usage.totalTokens ?? null}::integer, m.total_tokens),
            finish_reason = coalesce(${usage.finishReason ?? null}::text, m.finish_reason),
            latency_ms = coalesce(${usage.latencyMs ?? null}::integer, m.latency_ms)
        FROM target
        WHERE m.id = target.id AND m.status = 'streaming'
        RETURNING m.id, m.session_id, m.seq, m.client_id, false AS inserted
      )${cite === undefined || apart ? sql`` : sql`, ${cite}`}, cleared AS (
        UPDATE chat_sessions s
        SET updated_at = now(), active_stream_id = NULL
        FROM saved f
        WHERE s.id = f.session_id
          AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.session_id = f.session_id AND o.status = 'streaming' AND o.seq > f.seq)
      )
      SELECT (SELECT id FROM target) AS id, (SELECT status FROM target) AS status, EXISTS (SELECT 1 FROM saved) AS finished`,
    'message',
  );
  if (!row?.id) throw new NotFoundError('message');
  if (!row.finished) throw new MessageNotStreamingError(row.status === 'streaming' ? 'finished' : row.status!);
  if (apart) {
    await queryRows(db, sql`WITH saved AS (SELECT ${row.id}::uuid AS id, ${id}::text AS client_id, false AS inserted), ${cite} SELECT 1`, 'message');
  }
  return { id: row.id, clientId: id, status };
}
