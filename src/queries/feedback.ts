/** Thumbs up or down on an answer, by the user who owns the conversation. */
import { sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type MessageFeedback, messageFeedback } from '../schema/chat.ts';
import { type MessageRefInput, messageRefInput } from '../validators/citations.ts';
import { type FeedbackSummaryInput, feedbackSummaryInput, type SetFeedbackInput, setFeedbackInput } from '../validators/feedback.ts';
import { type Executor, parseInput, queryRows, readOnly } from './executor.ts';
import { recordsetOf, rowColumns } from './json.ts';
import { decodeRow } from './rows.ts';

/** What a rating writes: the columns setFeedbackInput names besides the message and the user (rating, reason, comment). */
const ratingSet = recordsetOf(
  messageFeedback,
  Object.keys(setFeedbackInput.shape).filter((key) => key !== 'messageId' && key !== 'userId'),
);

/**
 * Rates a message, or changes the rating (a field left out is cleared): one INSERT ... ON CONFLICT DO
 * UPDATE, so concurrent calls leave exactly one row. NotFoundError if the
 * message is not in one of the user's sessions.
 */
export async function setFeedback(db: Executor, input: SetFeedbackInput): Promise<MessageFeedback> {
  const { messageId, userId, ...rating } = parseInput(setFeedbackInput, input);
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`
      INSERT INTO message_feedback AS f (message_id, user_id, ${ratingSet.columns()})
      SELECT m.id, s.user_id, ${ratingSet.columns('r')}
      FROM messages m JOIN chat_sessions s ON s.id = m.session_id,
           jsonb_to_record(${JSON.stringify(ratingSet.record(rating))}::jsonb) AS r(${ratingSet.definition})
      WHERE m.id = ${messageId} AND s.user_id = ${userId}
      ON CONFLICT (message_id, user_id) DO UPDATE
      SET (${ratingSet.columns()}, updated_at) = (${ratingSet.columns('excluded')}, now())
      RETURNING ${rowColumns(messageFeedback, 'f')}`,
    'message',
  );
  if (!row) throw new NotFoundError('message');
  return decodeRow(messageFeedback, row);
}

/** Removes the user's rating of a message; false if there was none. NotFoundError if the message is not the user's. */
export async function clearFeedback(db: Executor, input: MessageRefInput): Promise<boolean> {
  const { messageId, userId } = parseInput(messageRefInput, input);
  const [row] = await queryRows<{ visible: boolean; deleted: boolean }>(
    db,
    sql`
      WITH visible AS (
        SELECT m.id FROM messages m JOIN chat_sessions s ON s.id = m.session_id
        WHERE m.id = ${messageId} AND s.user_id = ${userId}
      ), deleted AS (
        DELETE FROM message_feedback f USING visible v
        WHERE f.message_id = v.id AND f.user_id = ${userId}
        RETURNING f.id
      )
      SELECT EXISTS (SELECT 1 FROM visible) AS visible, EXISTS (SELECT 1 FROM deleted) AS deleted`,
    'message',
  );
  if (!row?.visible) throw new NotFoundError('message');
  return row.deleted;
}

/** What feedbackSummary returns: counts of up and down ratings in the window, and the reasons given. */
export interface FeedbackSummary {
  /** Ratings `up`. */
  up: number;
  /** Ratings `down`. */
  down: number;
  /** Every rating in the window. */
  total: number;
  /** Ratings that gave a reason, by reason, most frequent first. */
  reasons: { reason: string; up: number; down: number }[];
}

/** Ratings given or changed in a time window, across all users. One round trip. */
export async function feedbackSummary(db: Executor, input: FeedbackSummaryInput): Promise<FeedbackSummary> {
  const { since, until } = parseInput(feedbackSummaryInput, input);
  const [row] = await queryRows<FeedbackSummary>(
    db,
    sql`
      WITH window_feedback AS (
        SELECT rating, reason FROM message_feedback
        WHERE updated_at >= ${since.toISOString()}::timestamptz
          AND updated_at < ${until?.toISOString() ?? 'infinity'}::timestamptz
      )
      SELECT count(*) FILTER (WHERE rating = 'up')::int AS up,
             count(*) FILTER (WHERE rating = 'down')::int AS down,
             count(*)::int AS total,
             coalesce((SELECT json_agg(r ORDER BY r.up + r.down DESC, r.reason) FROM (
               SELECT reason, count(*) FILTER (WHERE rating = 'up')::int AS up, count(*) FILTER (WHERE rating = 'down')::int AS down
               FROM window_feedback WHERE reason IS NOT NULL GROUP BY reason
             ) r), '[]'::json) AS reasons
      FROM window_feedback`,
    'feedback',
    readOnly,
  );
  return row!;
}
