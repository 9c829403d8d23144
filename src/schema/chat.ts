/**
 * The chat module (`--scope chat`): sessions, messages, citations and feedback.
 * It installs on its own: `user_id` is the text id of a user who may live in an
 * external auth provider (see userIdPattern in columns.ts). With the auth module also installed, the link module adds the
 * foreign keys to `users` (see link.ts).
 */
import { type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  id,
  isJsonObject,
  isOneOf,
  isUserId,
  jsonObject,
  timestamps,
  timestamptz,
  tsvector,
} from './columns.ts';

/** The values of `messages.role` (a CHECK keeps the column to them). */
export const messageRoles = ['user', 'assistant', 'system', 'tool'] as const;
/** Who wrote a message: `user`, `assistant`, `system` or `tool`. */
export type MessageRole = (typeof messageRoles)[number];

/** Where a message stands: `streaming` while an answer is being written, then `complete`, `error` or `aborted` (a dropped client keeps its partial text). */
export const messageStatuses = ['streaming', 'complete', 'error', 'aborted'] as const;
/** Where a message stands: `streaming`, `complete`, `error` or `aborted`. */
export type MessageStatus = (typeof messageStatuses)[number];

/** The longest client message id stored (`messages.client_id`): AI SDK ids are 16 to 36 characters. */
export const clientIdMaxLength = 200;

/** The values of `message_feedback.rating` (a CHECK keeps the column to them). */
export const feedbackRatings = ['up', 'down'] as const;
/** A rating of an answer: `up` or `down`. */
export type FeedbackRating = (typeof feedbackRatings)[number];

/** The text search configuration of `messages.search_vector`; queries must use the same one. */
export const searchConfig = 'english';

/** The `chat_sessions` table (chat module): a user's conversation, with a title, metadata (a JSON object), its last message time, when it was archived, the active resumable stream, and `last_activity_at`, generated, which listSessions orders by. */
export const chatSessions = pgTable(
  'chat_sessions',
  {
    id: id(),
    userId: text('user_id').notNull(),
    title: text('title'),
    metadata: jsonObject('metadata'),
    ...timestamps(),
    lastMessageAt: timestamptz('last_message_at'),
    archivedAt: timestamptz('archived_at'),
    /** The stream an answer is being written to, for resuming it (the AI SDK's resumable streams); null when none is. */
    activeStreamId: text('active_stream_id'),
    /** Latest activity: the last message, or the creation time of a session without one. */
    lastActivityAt: timestamptz('last_activity_at')
      .notNull()
      .generatedAlwaysAs((): SQL => sql`coalesce(${chatSessions.lastMessageAt}, ${chatSessions.createdAt})`),
  },
  (t) => [
    // listSessions: a user's open sessions, latest activity first (scanned backwards), keyset on (last_activity_at, id).
    index('chat_sessions_user_id_last_activity_at_id_idx')
      .on(t.userId, t.lastActivityAt, t.id)
      .where(sql`${t.archivedAt} IS NULL`),
    // Listing a user's archived sessions, and deleting a user (the link module's cascade).
    index('chat_sessions_user_id_archived_at_idx').on(t.userId, t.archivedAt),
    check('chat_sessions_user_id_check', isUserId(t.userId)),
    check('chat_sessions_metadata_check', isJsonObject(t.metadata)),
    check('chat_sessions_active_stream_id_check', sql`char_length(${t.activeStreamId}) BETWEEN 1 AND 200`),
  ],
);

/** The `messages` table (chat module): a session's messages in write order (`seq`), with role, content, the highlighted passage, metadata, the client's id and UIMessage parts, status, usage, and a generated full-text search vector; deleted with their session. */
export const messages = pgTable(
  'messages',
  {
    id: id(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => chatSessions.id, { onDelete: 'cascade' }),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    /** The passage the reader highlighted when asking, if any. */
    selectedText: text('selected_text'),
    metadata: jsonObject('metadata'),
    // clock_timestamp(), not now(): messages written in one transaction still get increasing times.
    createdAt: timestamptz('created_at').notNull().default(sql`clock_timestamp()`),
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => sql`to_tsvector(${sql.raw(`'${searchConfig}'`)}::regconfig, ${messages.content})`,
    ),
    /**
     * Write order: numbered by the database as rows are inserted (raw SQL inserts too), so
     * messages stamped alike (an import with second precision, a question and its answer)
     * keep the order they were written in. Every message ordering, cursor and "after" uses it.
     */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    /**
     * The id the client knows the message by (an AI SDK UIMessage id: any string), unique within
     * its session. saveUIMessages upserts on it; rows written by addMessage get a random uuid's text,
     * rows older than the column got their own id's text.
     */
    clientId: text('client_id').notNull().default(sql`(gen_random_uuid())::text`),
    /**
     * The UIMessage parts, in order, exactly as saved (saveUIMessages). NULL for messages written by
     * addMessage or before the column: loadUIMessages shows those as one text part of `content`.
     */
    parts: jsonb('parts').$type<Record<string, unknown>[]>(),
    status: text('status', { enum: messageStatuses }).notNull().default('complete'),
    // Usage, as the model reported it: typed columns, so cost and latency can be queried.
    model: text('model'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    totalTokens: integer('total_tokens'),
    /** The AI SDK's finish reason: stop, length, content-filter, tool-calls, error, other. */
    finishReason: text('finish_reason'),
    /** From the request to the last token, in milliseconds. */
    latencyMs: integer('latency_ms'),
  },
  (t) => [
    // getConversationWithCitations (keyset on seq), deleteMessagesAfter ("after" by seq), export: a session's messages in order.
    index('messages_session_id_seq_idx').on(t.sessionId, t.seq),
    // searchMessages: full-text search over message content.
    index('messages_search_vector_idx').using('gin', t.searchVector),
    check('messages_role_check', isOneOf(t.role, messageRoles)),
    check('messages_metadata_check', isJsonObject(t.metadata)),
    // saveUIMessages: ON CONFLICT (session_id, client_id) upserts a message by the id the client knows it by; loadUIMessages' ids.
    unique('messages_session_id_client_id_key').on(t.sessionId, t.clientId),
    check('messages_client_id_check', sql`char_length(${t.clientId}) BETWEEN 1 AND ${sql.raw(String(clientIdMaxLength))}`),
    check('messages_parts_check', sql`jsonb_typeof(${t.parts}) = 'array'`),
    check('messages_status_check', isOneOf(t.status, messageStatuses)),
    check(
      'messages_tokens_check',
      sql`${t.inputTokens} >= 0 AND ${t.outputTokens} >= 0 AND ${t.totalTokens} >= 0 AND ${t.latencyMs} >= 0`,
    ),
  ],
);

/** The `message_citations` table (chat module): the sources behind an answer, numbered from 1 per message (`citation_index`), with the document and chunk ids, the retrieval score and a snapshot of the title, URL and snippet shown; deleted with their message. */
export const messageCitations = pgTable(
  'message_citations',
  {
    id: id(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    documentId: text('document_id').notNull(),
    chunkId: text('chunk_id'),
    /** Retrieval relevance score; any finite number (rerankers can return negatives). */
    score: doublePrecision('score'),
    /** The number the answer shows for this source: `[1]`, `[2]`, ... */
    citationIndex: integer('citation_index').notNull(),
    // A snapshot of what the reader was shown, so the citation survives re-indexing.
    title: text('title'),
    url: text('url'),
    snippet: text('snippet'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    // getConversationWithCitations: a message's citations in citation_index order; one number per message.
    unique('message_citations_message_id_citation_index_key').on(t.messageId, t.citationIndex),
    // Which answers cited a document or chunk (re-indexing, source analytics).
    index('message_citations_document_id_chunk_id_idx').on(t.documentId, t.chunkId),
    check('message_citations_citation_index_check', sql`${t.citationIndex} >= 1`),
    // NaN sorts above 'Infinity' in Postgres, so this also rejects NaN.
    check(
      'message_citations_score_check',
      sql`${t.score} > '-Infinity'::float8 AND ${t.score} < 'Infinity'::float8`,
    ),
  ],
);

/** The `message_feedback` table (chat module): one rating (`up` or `down`) per user and message, with an optional reason and comment; deleted with its message. */
export const messageFeedback = pgTable(
  'message_feedback',
  {
    id: id(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    rating: text('rating', { enum: feedbackRatings }).notNull(),
    reason: text('reason'),
    comment: text('comment'),
    ...timestamps(),
  },
  (t) => [
    // One rating per user and message (setFeedback upserts on it); also serves feedback by message.
    unique('message_feedback_message_id_user_id_key').on(t.messageId, t.userId),
    // A user's feedback: export, and deleting a user (the link module's cascade).
    index('message_feedback_user_id_idx').on(t.userId),
    check('message_feedback_user_id_check', isUserId(t.userId)),
    check('message_feedback_rating_check', isOneOf(t.rating, feedbackRatings)),
  ],
);
/**
 * What user-driven deletes removed (deleteMessagesAfter, deleteSession): one
 * row per deleted message, its author, role and time, never its content, so
 * countUserMessagesSince counts what was sent, not what remains (an edit
 * must not reset a rate limit). purgeSessions prunes rows older than its
 * cut-off; erasing a user deletes theirs.
 */
export const deletedMessages = pgTable(
  'deleted_messages',
  {
    id: id(),
    /** The owner of the session the message was in. */
    userId: text('user_id').notNull(),
    role: text('role', { enum: messageRoles }).notNull(),
    /** When the message was written: its created_at. */
    sentAt: timestamptz('sent_at').notNull(),
    deletedAt: timestamptz('deleted_at').notNull().defaultNow(),
  },
  (t) => [
    // countUserMessagesSince: a user's deleted messages of one role since a moment; erasing a user.
    index('deleted_messages_user_id_role_sent_at_idx').on(t.userId, t.role, t.sentAt),
    // purgeSessions: pruning what is older than the retention cut-off.
    index('deleted_messages_sent_at_idx').on(t.sentAt),
    check('deleted_messages_user_id_check', isUserId(t.userId)),
    check('deleted_messages_role_check', isOneOf(t.role, messageRoles)),
  ],
);

/** A `chat_sessions` row as read. */
export type ChatSession = typeof chatSessions.$inferSelect;
/** A `chat_sessions` row to insert. */
export type NewChatSession = typeof chatSessions.$inferInsert;
/** A `messages` row as read. */
export type Message = typeof messages.$inferSelect;
/** A `messages` row to insert. */
export type NewMessage = typeof messages.$inferInsert;
/** A `message_citations` row as read. */
export type MessageCitation = typeof messageCitations.$inferSelect;
/** A `message_citations` row to insert. */
export type NewMessageCitation = typeof messageCitations.$inferInsert;
/** A `message_feedback` row as read. */
export type MessageFeedback = typeof messageFeedback.$inferSelect;
/** A `message_feedback` row to insert. */
export type NewMessageFeedback = typeof messageFeedback.$inferInsert;
/** A `deleted_messages` row as read: the author, role and times of a deleted message, never its content. */
export type DeletedMessage = typeof deletedMessages.$inferSelect;
/** A `deleted_messages` row to insert. */
export type NewDeletedMessage = typeof deletedMessages.$inferInsert;
