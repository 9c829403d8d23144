/**
 * Chat sessions, always seen through the acting user: another user's
 * session is "not found", never "forbidden". Each helper is one round trip.
 */
import { and, eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { type ChatSession, chatSessions } from '../schema/chat.ts';
import {
  type CreateSessionInput,
  createSessionInput,
  type ListSessionsInput,
  listSessionsInput,
  type MergeSessionMetadataInput,
  mergeSessionMetadataInput,
  type RenameSessionInput,
  renameSessionInput,
  type SessionRefInput,
  sessionRefInput,
} from '../validators/sessions.ts';
import { type Executor, parseInput, queryRows, readOnly, tableRows } from './executor.ts';
import { boundedMerge } from './json.ts';
import { raced, untilNotRaced } from './optimistic.ts';
import { decodeRow, keysetPage, type Page, timestampText } from './rows.ts';

export type { Page };

/** Starts a chat session for a user, with an optional title and metadata. With the link module, NotFoundError if there is no such user. */
export async function createSession(db: Executor, input: CreateSessionInput): Promise<ChatSession> {
  const values = parseInput(createSessionInput, input);
  const [session] = await tableRows(db, chatSessions, db.insert(chatSessions).values(values).returning(), 'user');
  return session!;
}

const owned = (sessionId: string, userId: string) => and(eq(chatSessions.id, sessionId), eq(chatSessions.userId, userId));

/** The session, or undefined if it does not exist or is another user's. */
export async function findSession(db: Executor, input: SessionRefInput): Promise<ChatSession | undefined> {
  const { sessionId, userId } = parseInput(sessionRefInput, input);
  const [session] = await tableRows(db, chatSessions, db.select().from(chatSessions).where(owned(sessionId, userId)), 'session', readOnly);
  return session;
}

/** NotFoundError if the session does not exist or is another user's. */
export async function getSession(db: Executor, input: SessionRefInput): Promise<ChatSession> {
  const session = await findSession(db, input);
  if (!session) throw new NotFoundError('session');
  return session;
}

/**
 * A user's sessions, latest activity first (archived ones: latest archived
 * first), one page at a time. Keyset pagination on (timestamp, id): fetches
 * `limit + 1` rows to know whether more follow; never OFFSET or COUNT, so a
 * deep page costs what the first does.
 */
export async function listSessions(db: Executor, input: ListSessionsInput): Promise<Page<ChatSession>> {
  const { userId, limit, cursor, archived } = parseInput(listSessionsInput, input);
  const key = archived ? chatSessions.archivedAt : chatSessions.lastActivityAt;
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`
      SELECT * FROM chat_sessions
      WHERE user_id = ${userId} AND archived_at ${archived ? sql`IS NOT NULL` : sql`IS NULL`}
        ${cursor ? sql`AND (${key}, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)` : sql``}
      ORDER BY ${key} DESC, id DESC
      LIMIT ${limit + 1}`,
    'session',
  );
  const page = keysetPage(rows, limit, (row) => [timestampText(row[key.name]), row.id as string]);
  return { items: page.items.map((row) => decodeRow(chatSessions, row)), nextCursor: page.nextCursor };
}

async function updateOwned(db: Executor, sessionId: string, userId: string, set: PgUpdateSetSource<typeof chatSessions>) {
  const [session] = await tableRows(
    db,
    chatSessions,
    db
      .update(chatSessions)
      .set({ ...set, updatedAt: sql`now()` })
      .where(owned(sessionId, userId))
      .returning(),
    'session',
  );
  if (!session) throw new NotFoundError('session');
  return session;
}

/** Sets the session's title (`null` removes it). NotFoundError if the session does not exist or is another user's. */
export async function renameSession(db: Executor, input: RenameSessionInput): Promise<ChatSession> {
  const { sessionId, userId, title } = parseInput(renameSessionInput, input);
  return updateOwned(db, sessionId, userId, { title });
}

/**
 * Merges keys into the session's metadata in one atomic UPDATE (`metadata ||
 * patch`); a `null` value removes its key. ValidationError, storing nothing,
 * if the result would be over the metadata size limit (see boundedMerge).
 */
export async function mergeSessionMetadata(db: Executor, input: MergeSessionMetadataInput): Promise<ChatSession> {
  const { sessionId, userId, metadata } = parseInput(mergeSessionMetadataInput, input);
  const merge = boundedMerge(metadata);
  const owned = sql`s.id = ${sessionId} AND s.user_id = ${userId}`;
  return untilNotRaced('mergeSessionMetadata', async () => {
    const [row] = await queryRows<Record<string, unknown> & { fits: boolean | null; id: string | null }>(
      db,
      sql`
        WITH updated AS (
          UPDATE chat_sessions s SET metadata = ${merge.result(sql`s.metadata`)}, updated_at = now()
          FROM ${merge.patch}
          WHERE ${owned} AND ${merge.fits(sql`s.metadata`)}
          RETURNING s.*
        )
        SELECT updated.*, seen.fits
        FROM (SELECT (SELECT ${merge.fits(sql`s.metadata`)} FROM chat_sessions s, ${merge.patch} WHERE ${owned}) AS fits) seen
        LEFT JOIN updated ON true`,
      'session',
    );
    return merge.outcome(chatSessions, 'session', row);
  });
}

/** Hides the session from listSessions (it stays readable and can be restored). */
export async function archiveSession(db: Executor, input: SessionRefInput): Promise<ChatSession> {
  const { sessionId, userId } = parseInput(sessionRefInput, input);
  return updateOwned(db, sessionId, userId, { archivedAt: sql`coalesce(${chatSessions.archivedAt}, now())` });
}

/** Brings an archived session back into listSessions. NotFoundError if the session does not exist or is another user's. */
export async function restoreSession(db: Executor, input: SessionRefInput): Promise<ChatSession> {
  const { sessionId, userId } = parseInput(sessionRefInput, input);
  return updateOwned(db, sessionId, userId, { archivedAt: null });
}

/**
 * Deletes the session and, by cascade, its messages, citations and
 * feedback, recording each message's role and time in deleted_messages so
 * rate limits still count them. One statement. Like deleteMessagesAfter it
 * locks the row first and runs again if a message was committed to the
 * session after its snapshot (that message would go uncounted).
 */
export async function deleteSession(db: Executor, input: SessionRefInput): Promise<void> {
  const { sessionId, userId } = parseInput(sessionRefInput, input);
  const ownedHere = sql`s.id = ${sessionId} AND s.user_id = ${userId}`;
  return untilNotRaced('deleteSession', async () => {
    const [row] = await queryRows<{ fresh: boolean | null }>(
      db,
      sql`
        WITH seen AS (
          SELECT s.xmin FROM chat_sessions s WHERE ${ownedHere}
        ), locked AS (
          -- The newest committed version, locked: the snapshot's own only if no one wrote to the session since.
          SELECT s.xmin = seen.xmin AS fresh FROM chat_sessions s, seen WHERE ${ownedHere} FOR UPDATE OF s
        ), deleted AS (
          DELETE FROM chat_sessions s WHERE ${ownedHere} AND (SELECT fresh FROM locked) RETURNING s.id
        ), recorded AS (
          INSERT INTO deleted_messages (user_id, role, sent_at)
          SELECT ${userId}::text, m.role, m.created_at FROM messages m WHERE m.session_id = (SELECT id FROM deleted)
        )
        SELECT (SELECT fresh FROM locked) AS fresh`,
      'session',
    );
    if (row?.fresh === null || row?.fresh === undefined) throw new NotFoundError('session');
    return row.fresh ? undefined : raced;
  });
}
