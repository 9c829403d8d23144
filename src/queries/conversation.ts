/** The conversation view: a session, its messages in order, each with its citations and the viewer's feedback. */
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import type { ChatSession, MessageCitation, MessageFeedback } from '../schema/chat.ts';
import { type ConversationInput, conversationInput } from '../validators/messages.ts';
import {
  type ConversationMessage,
  decodeCursor,
  encodeCursor,
  type Executor,
  hydrateConversationMessage,
  hydrateSession,
  type Json,
  type MessageRow,
  parseInput,
  queryRows,
  readOnly,
} from './executor.ts';
import { citationsOf, feedbackJson, sessionJson } from './json.ts';

export type { ConversationMessage };

export interface Conversation {
  session: ChatSession;
  /** Oldest first: the newest `limit` messages (before the cursor, when one is given). */
  messages: ConversationMessage[];
  /** Pass as `before` to read the page of older messages; null when there are none. */
  nextCursor: string | null;
}

/** One row per message, newest first; the session rides on the first row (or the only one, when there are no messages). */
interface ConversationRow {
  session: Json<ChatSession> | null;
  id: string | null;
  session_id: string;
  role: MessageRow['role'];
  content: string;
  selected_text: string | null;
  metadata: MessageRow['metadata'];
  created_at: string;
  citations: Json<MessageCitation>[];
  feedback: Json<MessageFeedback> | null;
}

/**
 * One round trip. Rows, not one JSON document: building and parsing a
 * 200-message document cost half as much again (measured 6.6 ms against
 * 4.5 ms). Long histories page backwards with a keyset cursor on
 * (created_at, id), served by the index on (session_id, created_at, id),
 * walked backwards for limit + 1 rows. NotFoundError if the session does
 * not exist or is another user's.
 */
export async function getConversationWithCitations(db: Executor, input: ConversationInput): Promise<Conversation> {
  const { sessionId, userId, limit, before } = parseInput(conversationInput, input);
  const position = before ? decodeCursor(before, 'before') : undefined;
  const olderThanCursor = position
    ? sql`AND (m.created_at, m.id) < (${position.at}::timestamptz, ${position.id}::uuid)`
    : sql``;

  const rows = await queryRows<ConversationRow>(
    db,
    sql`
      SELECT CASE WHEN m.position IS NULL OR m.position = 1 THEN ${sessionJson('s')} END AS session,
             m.id, m.session_id, m.role, m.content, m.selected_text, m.metadata,
             to_json(m.created_at) #>> '{}' AS created_at,
             ${citationsOf('m')} AS citations,
             (SELECT ${feedbackJson('f')} FROM message_feedback f WHERE f.message_id = m.id AND f.user_id = ${userId}) AS feedback
      FROM chat_sessions s
      LEFT JOIN LATERAL (
        SELECT m.*, row_number() OVER (ORDER BY m.created_at DESC, m.id DESC) AS position
        FROM messages m
        WHERE m.session_id = s.id ${olderThanCursor}
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT ${limit + 1}
      ) m ON true
      WHERE s.id = ${sessionId} AND s.user_id = ${userId}
      ORDER BY m.created_at DESC, m.id DESC`,
    'session',
    readOnly,
  );
  const session = rows[0]?.session;
  if (!session) throw new NotFoundError('session');

  // limit + 1 rows were read to learn whether older ones exist; the extra one is the oldest.
  const newestFirst = rows.filter((row) => row.id !== null);
  const more = newestFirst.length > limit;
  const shown = (more ? newestFirst.slice(0, limit) : newestFirst).reverse();
  const oldest = more ? newestFirst[limit - 1] : undefined;
  return {
    session: hydrateSession(session),
    messages: shown.map((row) =>
      hydrateConversationMessage({
        id: row.id!,
        sessionId: row.session_id,
        role: row.role,
        content: row.content,
        selectedText: row.selected_text,
        metadata: row.metadata,
        createdAt: row.created_at,
        citations: row.citations,
        feedback: row.feedback,
      }),
    ),
    nextCursor: oldest ? encodeCursor({ at: oldest.created_at, id: oldest.id! }) : null,
  };
}
