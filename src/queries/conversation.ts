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

type MessageJson = Json<MessageRow> & { citations: Json<MessageCitation>[]; feedback: Json<MessageFeedback> | null };

/**
 * One round trip: one statement builds the whole view as JSON. Long
 * histories page backwards with a keyset cursor on (created_at, id), served
 * by the index on (session_id, created_at, id). NotFoundError if the session
 * does not exist or is another user's.
 */
export async function getConversationWithCitations(db: Executor, input: ConversationInput): Promise<Conversation> {
  const { sessionId, userId, limit, before } = parseInput(conversationInput, input);
  const position = before ? decodeCursor(before, 'before') : undefined;
  const olderThanCursor = position
    ? sql`AND (m.created_at, m.id) < (${position.at}::timestamptz, ${position.id}::uuid)`
    : sql``;

  // The session id goes into the messages scan as a value (not a subquery), so the planner walks the
  // (session_id, created_at, id) index backwards and stops after limit + 1 rows; no sort.
  const [row] = await queryRows<{ session: Json<ChatSession>; messages: MessageJson[] }>(
    db,
    sql`
      WITH session AS (
        SELECT * FROM chat_sessions WHERE id = ${sessionId} AND user_id = ${userId}
      ), page AS (
        SELECT m.* FROM messages m
        WHERE m.session_id = ${sessionId} AND EXISTS (SELECT 1 FROM session) ${olderThanCursor}
        ORDER BY m.created_at DESC, m.id DESC
        LIMIT ${limit + 1}
      )
      SELECT ${sessionJson('session')} AS session,
             (SELECT coalesce(json_agg(json_build_object(
                'id', p.id, 'sessionId', p.session_id, 'role', p.role, 'content', p.content,
                'selectedText', p.selected_text, 'metadata', p.metadata, 'createdAt', p.created_at,
                'citations', ${citationsOf('p')},
                'feedback', (SELECT ${feedbackJson('f')} FROM message_feedback f WHERE f.message_id = p.id AND f.user_id = ${userId})
              ) ORDER BY p.created_at, p.id), '[]'::json) FROM page p) AS messages
      FROM session`,
    'session',
  );
  if (!row) throw new NotFoundError('session');

  // limit + 1 rows were read to learn whether older ones exist; the extra one is the oldest.
  const more = row.messages.length > limit;
  const shown = more ? row.messages.slice(1) : row.messages;
  const oldest = shown[0];
  return {
    session: hydrateSession(row.session),
    messages: shown.map(hydrateConversationMessage),
    nextCursor: more && oldest ? encodeCursor({ at: oldest.createdAt, id: oldest.id }) : null,
  };
}
