/** The conversation view: a session, its messages in order, each with its citations and the viewer's feedback. */
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type ChatSession, chatSessions, messageFeedback, messages } from '../schema/chat.ts';
import { type ConversationInput, conversationInput } from '../validators/messages.ts';
import { type Executor, parseInput, queryRows, readOnly } from './executor.ts';
import { citationsOf, rowColumns, rowJson } from './json.ts';
import { encodeCursor } from '../validators/cursors.ts';
import { type ConversationMessage, decodeCitations, decodeJson, decodeRow } from './rows.ts';

export type { ConversationMessage };

/** What getConversationWithCitations returns: the session and a page of its messages, each with its citations and the user's rating. */
export interface Conversation {
  /** The session. */
  session: ChatSession;
  /** Oldest first: the newest `limit` messages (before the cursor, when one is given). */
  messages: ConversationMessage[];
  /** Pass as `before` to read the page of older messages; null when there are none. */
  nextCursor: string | null;
}

/** One row per message (its columns), newest first; the session and `more` ride on the first row (or the only one, when there are no messages). */
type ConversationRow = Record<string, unknown> & {
  session: Record<string, unknown> | null;
  more: boolean | null;
  id: string | null;
  seq: string | number;
  citations: Record<string, unknown>[];
  feedback: Record<string, unknown> | null;
};

/**
 * One round trip. Rows, not one JSON document: building and parsing a
 * 200-message document cost half as much again (measured 6.6 ms against
 * 4.5 ms). Messages are in write order (`seq`); long histories page
 * backwards with a keyset cursor on seq, served by the index on
 * (session_id, seq). The statement returns exactly `limit` messages: two
 * one-off index probes say which row is the newest (it carries the session)
 * and whether older messages follow (more than `limit` of them before the
 * cursor: counted in any order, so no sort, and only on the first row); the viewer's feedback is a join. Measured with EXPLAIN
 * ANALYZE for 200 messages (bench, small scale): see the README's
 * Performance section; a window function for the position, a limit + 1th row
 * and a feedback subquery per row cost the server a third more. NotFoundError
 * if the session does not exist or is another user's.
 */
export async function getConversationWithCitations(db: Executor, input: ConversationInput): Promise<Conversation> {
  const { sessionId, userId, limit, before } = parseInput(conversationInput, input);
  // The cursor's condition on each of the three reads of the session's messages (aliases o, n and m).
  const cursor = before ? before[0] : undefined;
  const olderThanCursor = {
    o: cursor === undefined ? sql`` : sql`AND o.seq < ${cursor}`,
    n: cursor === undefined ? sql`` : sql`AND n.seq < ${cursor}`,
    m: cursor === undefined ? sql`` : sql`AND m.seq < ${cursor}`,
  };

  const rows = await queryRows<ConversationRow>(
    db,
    sql`
      SELECT CASE WHEN m.seq IS NOT DISTINCT FROM newest.seq THEN ${rowJson(chatSessions, 's')} END AS session,
             CASE WHEN m.seq IS NOT DISTINCT FROM newest.seq
                  THEN (SELECT count(*) FROM (SELECT FROM messages o WHERE o.session_id = ${sessionId} ${olderThanCursor.o} LIMIT ${limit + 1}) o) > ${limit} END AS more,
             ${rowColumns(messages, 'm')},
             ${citationsOf('m')} AS citations,
             CASE WHEN f.message_id IS NOT NULL THEN ${rowJson(messageFeedback, 'f')} END AS feedback
      FROM chat_sessions s
      CROSS JOIN (SELECT max(n.seq) AS seq FROM messages n WHERE n.session_id = ${sessionId} ${olderThanCursor.n}) newest
      LEFT JOIN LATERAL (
        SELECT m.*
        FROM messages m
        WHERE m.session_id = s.id ${olderThanCursor.m}
        ORDER BY m.seq DESC
        LIMIT ${limit}
      ) m ON true
      LEFT JOIN message_feedback f ON f.message_id = m.id AND f.user_id = ${userId}
      WHERE s.id = ${sessionId} AND s.user_id = ${userId}
      ORDER BY m.seq DESC`,
    'session',
    readOnly,
  );
  const first = rows[0];
  const session = first?.session;
  if (!session) throw new NotFoundError('session');

  const page = first.id === null ? [] : rows;
  const oldest = page.at(-1);
  return {
    session: decodeJson(chatSessions, session),
    messages: page.reverse().map((row) =>
      Object.assign(decodeRow(messages, row), {
        citations: decodeCitations(row.citations, row.id),
        feedback: row.feedback && decodeJson(messageFeedback, row.feedback),
      }),
    ),
    nextCursor: first.more && oldest ? encodeCursor([Number(oldest.seq)]) : null,
  };
}
