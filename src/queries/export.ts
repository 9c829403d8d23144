/**
 * A user's data as a whole, for a data-access request: read page by page,
 * so a user of any size is exported in bounded memory.
 *
 *   for await (const part of streamUserData(db, { userId })) ...      // parts, a page at a time
 *   Readable.from(exportUserDataJson(db, { userId })).pipe(response)  // one JSON document, streamed
 *   const data = await exportUserData(db, { userId })                 // the same document as one object (small users)
 */
import { eq, sql } from 'drizzle-orm';
import { type User, type UserProfile, userProfiles, users } from '../schema/auth.ts';
import {
  type ChatSession,
  chatSessions,
  type DeletedMessage,
  deletedMessages,
  type MessageFeedback,
  messageFeedback,
  messages,
} from '../schema/chat.ts';
import { type ExportUserDataInput, exportUserDataInput } from '../validators/lifecycle.ts';
import { type Executor, parseInput, queryRows, readOnly, tableRows, transaction } from './executor.ts';
import { installedModules } from './installed.ts';
import { citationsOf, rowColumns, rowJson } from './json.ts';
import { type ConversationMessage, decodeCitations, decodeJson, decodeRow } from './rows.ts';

/**
 * One piece of an export, in this order: the user, then each session
 * followed by its messages, then the ratings the user gave, then the record
 * of messages the user deleted (kept, without content, for rate limiting).
 */
export type UserExportPart =
  | { type: 'user'; user: User | null; profile: UserProfile | null }
  | { type: 'session'; session: ChatSession }
  /** Up to `pageSize` messages of the session just yielded, oldest first, with citations and the user's rating. */
  | { type: 'messages'; sessionId: string; messages: ConversationMessage[] }
  | { type: 'feedback'; feedback: MessageFeedback[] }
  | { type: 'deletedMessages'; deletedMessages: DeletedMessage[] };

/** Everything held about a user, as exportUserData returns it (GDPR access): the user and profile, every session with its messages, the ratings they gave and the record of messages they deleted. */
export interface UserExport {
  /** When the export was read. */
  exportedAt: Date;
  /** Null with the chat module alone (the user lives in an external auth provider) or when there is no such user. */
  user: User | null;
  /** The onboarding profile; null without one (or with the chat module alone). */
  profile: UserProfile | null;
  /** Every session, archived ones included, each with its messages, oldest first, and their citations. */
  sessions: (ChatSession & { messages: ConversationMessage[] })[];
  /** Every rating the user gave. */
  feedback: MessageFeedback[];
  /** When the user's deleted messages had been sent, and by which role: what rate limiting still counts. */
  deletedMessages: DeletedMessage[];
}

/** Rows of `table` after a keyset position, `limit` at a time, with the exact position text of each (microseconds kept). */
interface Keyed {
  key_at: string;
  id: string;
}
const after = (alias: string, position: Keyed | undefined) =>
  position ? sql`AND (${sql.raw(alias)}.created_at, ${sql.raw(alias)}.id) > (${position.key_at}::timestamptz, ${position.id}::uuid)` : sql``;

/**
 * Everything held about a user, a page at a time: memory holds one page
 * (`pageSize` messages, sessions or ratings), whatever the user's size.
 * Each page is one round trip. Pages are read as they are asked for, so
 * the parts are not one snapshot; read inside a repeatable-read transaction
 * (pass its `tx`) for one.
 */
export async function* streamUserData(db: Executor, input: ExportUserDataInput): AsyncGenerator<UserExportPart> {
  const { userId, pageSize } = parseInput(exportUserDataInput, input);

  const installed = await installedModules(db);
  if (installed.has('auth')) {
    const [user] = await tableRows(db, users, db.select().from(users).where(eq(users.id, userId)), 'user', readOnly);
    const [profile] = await tableRows(db, userProfiles, db.select().from(userProfiles).where(eq(userProfiles.userId, userId)), 'user', readOnly);
    yield { type: 'user', user: user ?? null, profile: profile ?? null };
  } else {
    yield { type: 'user', user: null, profile: null };
  }
  if (!installed.has('chat')) return; // our auth module alone: no chat rows to export

  for (let position: Keyed | undefined; ; ) {
    const page = await queryRows<Record<string, unknown> & Keyed>(
      db,
      sql`SELECT s.*, to_json(s.created_at) #>> '{}' AS key_at FROM chat_sessions s
          WHERE s.user_id = ${userId} ${after('s', position)}
          ORDER BY s.created_at, s.id LIMIT ${pageSize}`,
      'session',
      readOnly,
    );
    for (const row of page) {
      yield { type: 'session', session: decodeRow(chatSessions, row) };
      yield* sessionMessages(db, userId, row.id, pageSize);
    }
    if (page.length < pageSize) break;
    position = page.at(-1);
  }

  for await (const feedback of pages(db, messageFeedback, 'created_at', userId, pageSize)) yield { type: 'feedback', feedback };
  for await (const records of pages(db, deletedMessages, 'sent_at', userId, pageSize)) yield { type: 'deletedMessages', deletedMessages: records };
}

/** A user's rows of a table with `id` and `user_id`, in `timeColumn` order, a page at a time (keyset on the time and the id). */
async function* pages<TTable extends typeof messageFeedback | typeof deletedMessages>(
  db: Executor,
  table: TTable,
  timeColumn: 'created_at' | 'sent_at',
  userId: string,
  pageSize: number,
): AsyncGenerator<TTable['$inferSelect'][]> {
  const time = sql.raw(`t.${timeColumn}`); // a constant column name
  for (let position: Keyed | undefined; ; ) {
    const page = await queryRows<Record<string, unknown> & Keyed>(
      db,
      sql`SELECT t.*, to_json(${time}) #>> '{}' AS key_at FROM ${table} t
          WHERE t.user_id = ${userId} ${position ? sql`AND (${time}, t.id) > (${position.key_at}::timestamptz, ${position.id}::uuid)` : sql``}
          ORDER BY ${time}, t.id LIMIT ${pageSize}`,
      'user',
      readOnly,
    );
    if (page.length > 0) yield page.map((row) => decodeRow(table, row)) as TTable['$inferSelect'][];
    if (page.length < pageSize) return;
    position = page.at(-1);
  }
}

async function* sessionMessages(db: Executor, userId: string, sessionId: string, pageSize: number): AsyncGenerator<UserExportPart> {
  for (let lastSeq: string | undefined; ; ) {
    const page = await queryRows<
      Record<string, unknown> & { seq: string; citations: Record<string, unknown>[]; feedback: Record<string, unknown> | null }
    >(
      db,
      sql`SELECT ${rowColumns(messages, 'm')},
                 ${citationsOf('m')} AS citations,
                 (SELECT ${rowJson(messageFeedback, 'f')} FROM message_feedback f WHERE f.message_id = m.id AND f.user_id = ${userId}) AS feedback
          FROM messages m
          WHERE m.session_id = ${sessionId} ${lastSeq === undefined ? sql`` : sql`AND m.seq > ${lastSeq}`}
          ORDER BY m.seq LIMIT ${pageSize}`,
      'message',
      readOnly,
    );
    if (page.length > 0) {
      yield {
        type: 'messages',
        sessionId,
        messages: page.map((row) =>
          Object.assign(decodeRow(messages, row), {
            citations: decodeCitations(row.citations, row.id),
            feedback: row.feedback && decodeJson(messageFeedback, row.feedback),
          }),
        ),
      };
    }
    if (page.length < pageSize) return;
    lastSeq = String(page.at(-1)!.seq);
  }
}

/**
 * Everything held about a user as one object, read in one repeatable-read
 * transaction (one snapshot). It holds the whole export in memory: for large
 * users use streamUserData or exportUserDataJson.
 */
export async function exportUserData(db: Executor, input: ExportUserDataInput): Promise<UserExport> {
  const parsed = parseInput(exportUserDataInput, input);
  const read = async (tx: Executor) => {
    const data: UserExport = { exportedAt: new Date(), user: null, profile: null, sessions: [], feedback: [], deletedMessages: [] };
    for await (const part of streamUserData(tx, parsed)) {
      if (part.type === 'user') Object.assign(data, { user: part.user, profile: part.profile });
      else if (part.type === 'session') data.sessions.push({ ...part.session, messages: [] });
      else if (part.type === 'messages') data.sessions.at(-1)!.messages.push(...part.messages);
      else if (part.type === 'feedback') data.feedback.push(...part.feedback);
      else data.deletedMessages.push(...part.deletedMessages);
    }
    return data;
  };
  return transaction(db, 'user', read, { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

/**
 * The export as JSON text, in pieces of about one page: the same document
 * as `JSON.stringify(await exportUserData(...))`, in bounded memory. Pipe it
 * to a response or a file (`Readable.from(exportUserDataJson(db, { userId }))`).
 */
export async function* exportUserDataJson(db: Executor, input: ExportUserDataInput): AsyncGenerator<string> {
  const arrays = ['sessions', 'feedback', 'deletedMessages'] as const;
  let open = -1; // the array being written
  let written = 0; // its items so far
  let inSession = false;
  let messagesWritten = 0;
  /** Closes what is open up to the array `index` (opening any skipped ones, empty); then, for a next item, a comma if it needs one. */
  const enter = (index: number, item = true) => {
    let text = inSession ? ']}' : '';
    inSession = false;
    for (; open < index; open++, written = 0) text += `${open >= 0 ? ']' : ''},"${arrays[open + 1]}":[`;
    return text + (item && written++ > 0 ? ',' : '');
  };
  const list = (values: readonly unknown[]) => values.map((value) => JSON.stringify(value)).join(',');

  yield `{"exportedAt":${JSON.stringify(new Date())}`;
  for await (const part of streamUserData(db, input)) {
    switch (part.type) {
      case 'user':
        yield `,"user":${JSON.stringify(part.user)},"profile":${JSON.stringify(part.profile)}`;
        break;
      case 'session':
        yield `${enter(0)}${JSON.stringify(part.session).slice(0, -1)},"messages":[`;
        inSession = true;
        messagesWritten = 0;
        break;
      case 'messages':
        yield `${messagesWritten > 0 ? ',' : ''}${list(part.messages)}`;
        messagesWritten += part.messages.length;
        break;
      case 'feedback':
        yield `${enter(1)}${list(part.feedback)}`;
        written += part.feedback.length - 1;
        break;
      case 'deletedMessages':
        yield `${enter(2)}${list(part.deletedMessages)}`;
        written += part.deletedMessages.length - 1;
        break;
    }
  }
  yield `${enter(arrays.length - 1, false)}]}`;
}
