/**
 * Erasing a user, and retention. These work with whichever modules are
 * installed: with the chat module alone there is no `users` row to delete.
 * Exporting a user's data is in export.ts.
 */
import { sql } from 'drizzle-orm';
import { type PurgeSessionsInput, purgeSessionsInput } from '../validators/lifecycle.ts';
import { type UserIdInput, userIdInput } from '../validators/users.ts';
import { type Executor, parseInput, queryRows } from './executor.ts';
import { installedModules } from './installed.ts';

/** What eraseUser deleted: how many sessions, messages and ratings, and whether a `users` row. */
export interface ErasedCounts {
  /** Sessions deleted. */
  sessions: number;
  /** Messages deleted, in those sessions. */
  messages: number;
  /** Ratings the user gave, deleted (ratings of their messages went with the sessions). */
  feedback: number;
  /** Whether a `users` row (and with it the profile) was deleted. */
  user: boolean;
}

/**
 * Deletes everything held about a user: their sessions (with messages,
 * citations and everyone's feedback on them), the feedback they gave, the
 * record of messages they deleted (rate limiting), and,
 * with our auth module installed, their profile and user row (with our auth
 * module alone, only those). One statement, so all or nothing; first one or
 * two round trips read which of our modules are installed.
 */
export async function eraseUser(db: Executor, input: UserIdInput): Promise<ErasedCounts> {
  const { userId } = parseInput(userIdInput, input);
  const installed = await installedModules(db);
  const auth = installed.has('auth');
  if (!installed.has('chat')) {
    // Our auth module alone: the user's row, and with it their profile.
    const deleted = auth ? await queryRows(db, sql`DELETE FROM users WHERE id = ${userId} RETURNING 1`, 'user') : [];
    return { sessions: 0, messages: 0, feedback: 0, user: deleted.length > 0 };
  }
  const [row] = await queryRows<ErasedCounts>(
    db,
    sql`
      WITH own_messages AS (
        SELECT count(*)::int AS n FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.user_id = ${userId}
      ), feedback AS (
        DELETE FROM message_feedback WHERE user_id = ${userId} RETURNING 1
      ), sessions AS (
        DELETE FROM chat_sessions WHERE user_id = ${userId} RETURNING 1
      ), deletion_records AS (
        DELETE FROM deleted_messages WHERE user_id = ${userId}
      ), deleted_user AS (
        ${auth ? sql`DELETE FROM users WHERE id = ${userId} RETURNING 1` : sql`SELECT 1 WHERE false`}
      )
      SELECT (SELECT count(*) FROM sessions)::int AS sessions, (SELECT n FROM own_messages) AS messages,
             (SELECT count(*) FROM feedback)::int AS feedback, EXISTS (SELECT 1 FROM deleted_user) AS "user"`,
    'user',
  );
  return row!;
}

/**
 * Retention: deletes sessions whose latest activity is older than
 * `olderThan`, with everything in them, `batchSize` sessions per statement
 * so no statement holds its locks for long. A session holding a message
 * newer than `olderThan` is kept whatever its last_message_at says (raw SQL
 * writes need not maintain it). Then prunes the record of deleted messages
 * (rate limiting) older than `olderThan`, in batches too. Call it with the
 * database, not inside a transaction (batches then commit one by one).
 * Returns how many sessions were deleted.
 */
export async function purgeSessions(db: Executor, input: PurgeSessionsInput): Promise<{ sessions: number }> {
  const { olderThan, batchSize } = parseInput(purgeSessionsInput, input);
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`
        DELETE FROM chat_sessions WHERE id IN (
          SELECT id FROM chat_sessions s
          WHERE last_activity_at < ${olderThan.toISOString()}::timestamptz
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.created_at >= ${olderThan.toISOString()}::timestamptz)
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING id`,
      'session',
    );
    total += rows.length;
    if (rows.length < batchSize) break;
  }
  for (;;) {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`
        DELETE FROM deleted_messages WHERE id IN (
          SELECT id FROM deleted_messages WHERE sent_at < ${olderThan.toISOString()}::timestamptz LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
        )
        RETURNING id`,
      'session',
    );
    if (rows.length < batchSize) return { sessions: total };
  }
}
