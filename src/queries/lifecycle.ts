/**
 * A user's data as a whole (export, erasure) and retention. These work with
 * whichever modules are installed: with the chat module alone there is no
 * `users` row to export or delete.
 */
import { sql } from 'drizzle-orm';
import type { User, UserProfile } from '../schema/auth.ts';
import type { ChatSession, MessageFeedback } from '../schema/chat.ts';
import { type PurgeSessionsInput, purgeSessionsInput } from '../validators/lifecycle.ts';
import { type UserIdInput, userIdInput } from '../validators/users.ts';
import {
  type ConversationMessage,
  type Executor,
  hydrateConversationMessage,
  hydrateFeedback,
  hydrateSession,
  type Json,
  parseInput,
  queryRows,
  readOnly,
} from './executor.ts';
import { citationsOf, feedbackJson, sessionJson } from './json.ts';

async function hasAuthModule(db: Executor): Promise<boolean> {
  const [row] = await queryRows<{ present: boolean }>(db, sql`SELECT to_regclass('users') IS NOT NULL AS present`, 'user', readOnly);
  return row!.present;
}

export interface UserExport {
  exportedAt: Date;
  /** Null with the chat module alone (the user lives in an external auth provider) or when there is no such user. */
  user: User | null;
  profile: UserProfile | null;
  sessions: (ChatSession & { messages: ConversationMessage[] })[];
  /** Every rating the user gave. */
  feedback: MessageFeedback[];
}

type SessionExportJson = Json<ChatSession> & { messages: Parameters<typeof hydrateConversationMessage>[0][] };

/** Everything held about a user, as plain data ready for JSON. Two round trips (the first checks which modules exist). */
export async function exportUserData(db: Executor, input: UserIdInput): Promise<UserExport> {
  const { userId } = parseInput(userIdInput, input);
  const auth = await hasAuthModule(db);
  const authPart = auth
    ? sql`(SELECT row_to_json(u) FROM (SELECT id, email, display_name AS "displayName", created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = ${userId}) u) AS "user",
          (SELECT row_to_json(p) FROM (SELECT user_id AS "userId", software_background AS "softwareBackground",
             hardware_background AS "hardwareBackground", experience_level AS "experienceLevel",
             preferred_language AS "preferredLanguage", onboarding_completed_at AS "onboardingCompletedAt", extras,
             created_at AS "createdAt", updated_at AS "updatedAt" FROM user_profiles WHERE user_id = ${userId}) p) AS profile,`
    : sql`NULL::json AS "user", NULL::json AS profile,`;
  const [row] = await queryRows<{
    user: Json<User> | null;
    profile: Json<UserProfile> | null;
    sessions: SessionExportJson[];
    feedback: Json<MessageFeedback>[];
  }>(
    db,
    sql`
      SELECT ${authPart}
        coalesce((SELECT json_agg(${sessionJson('s')}::jsonb || jsonb_build_object('messages', (
          SELECT coalesce(json_agg(json_build_object(
            'id', m.id, 'sessionId', m.session_id, 'role', m.role, 'content', m.content, 'selectedText', m.selected_text,
            'metadata', m.metadata, 'createdAt', m.created_at, 'citations', ${citationsOf('m')},
            'feedback', (SELECT ${feedbackJson('f')} FROM message_feedback f WHERE f.message_id = m.id AND f.user_id = ${userId})
          ) ORDER BY m.created_at, m.id), '[]'::json)
          FROM messages m WHERE m.session_id = s.id)) ORDER BY s.created_at, s.id)
          FROM chat_sessions s WHERE s.user_id = ${userId}), '[]'::json) AS sessions,
        coalesce((SELECT json_agg(${feedbackJson('f')} ORDER BY f.created_at, f.id) FROM message_feedback f WHERE f.user_id = ${userId}), '[]'::json) AS feedback`,
    'user',
    readOnly,
  );
  const dates = <T extends { createdAt: string; updatedAt: string }>(value: T) => ({
    ...value,
    createdAt: new Date(value.createdAt),
    updatedAt: new Date(value.updatedAt),
  });
  return {
    exportedAt: new Date(),
    user: row!.user ? dates(row!.user) : null,
    profile: row!.profile
      ? {
          ...dates(row!.profile),
          onboardingCompletedAt: row!.profile.onboardingCompletedAt ? new Date(row!.profile.onboardingCompletedAt) : null,
        }
      : null,
    sessions: row!.sessions.map((session) => ({
      ...hydrateSession(session),
      messages: session.messages.map(hydrateConversationMessage),
    })),
    feedback: row!.feedback.map(hydrateFeedback),
  };
}

export interface ErasedCounts {
  sessions: number;
  messages: number;
  feedback: number;
  /** Whether a `users` row (and with it the profile) was deleted. */
  user: boolean;
}

/**
 * Deletes everything held about a user in one transaction: their sessions
 * (with messages, citations and everyone's feedback on them), the feedback
 * they gave, their profile and their user row.
 */
export async function eraseUser(db: Executor, input: UserIdInput): Promise<ErasedCounts> {
  const { userId } = parseInput(userIdInput, input);
  return db.transaction(async (tx) => {
    const auth = await hasAuthModule(tx);
    const [chat] = await queryRows<{ sessions: number; messages: number; feedback: number }>(
      tx,
      sql`
        WITH own_messages AS (
          SELECT count(*)::int AS n FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.user_id = ${userId}
        ), feedback AS (
          DELETE FROM message_feedback WHERE user_id = ${userId} RETURNING 1
        ), sessions AS (
          DELETE FROM chat_sessions WHERE user_id = ${userId} RETURNING 1
        )
        SELECT (SELECT count(*) FROM sessions)::int AS sessions, (SELECT n FROM own_messages) AS messages,
               (SELECT count(*) FROM feedback)::int AS feedback`,
      'user',
    );
    const deletedUser = auth
      ? (await queryRows<{ id: string }>(tx, sql`DELETE FROM users WHERE id = ${userId} RETURNING id`, 'user')).length > 0
      : false;
    return { ...chat!, user: deletedUser };
  });
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
