import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { chatSessions } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, jsonObjectSchemaOf, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { sessionCursor } from './cursors.ts';

/** The session validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function sessionValidators(limits: Readonly<Limits>) {
  const jsonObject = jsonObjectSchemaOf(limits);
  const refinements = {
    /** A user id (userIdSchema). */
    userId: () => userIdSchema,
    /** At most `limits.title` characters. */
    title: () => boundedText(limits.title),
    /** A JSON object within `limits.jsonDepth` and `limits.jsonBytes`. */
    metadata: () => jsonObject,
  };
  const insertSessionSchema = createInsertSchema(chatSessions, refinements);
  /** A session, as seen by the user acting. */
  const sessionRefInput = z.strictObject({ sessionId: idSchema, userId: userIdSchema });
  return {
    insertSessionSchema,
    updateSessionSchema: createUpdateSchema(chatSessions, refinements),
    selectSessionSchema: createSelectSchema(chatSessions),
    createSessionInput: insertSessionSchema.pick({ title: true, metadata: true }).partial().extend({ userId: userIdSchema }).strict(),
    sessionRefInput,
    listSessionsInput: z.strictObject({
      userId: userIdSchema,
      limit: pageSizeSchemaOf(limits).default(20),
      /** `nextCursor` of the previous page. */
      cursor: sessionCursor.optional(),
      /** List archived sessions (most recently archived first) instead of open ones. */
      archived: z.boolean().default(false),
    }),
    renameSessionInput: sessionRefInput.extend({ title: boundedText(limits.title).nullable() }),
    /** Merged into the stored object with `||`; a key whose value is `null` is removed. */
    mergeSessionMetadataInput: sessionRefInput.extend({ metadata: jsonObject }),
  };
}

export const {
  /** A `chat_sessions` row to insert (drizzle-zod), with a bounded title and a bounded JSON object as metadata. */
  insertSessionSchema,
  /** A change to a `chat_sessions` row (drizzle-zod): every column optional, refined as in insertSessionSchema. */
  updateSessionSchema,
  /** A `chat_sessions` row as read (drizzle-zod). */
  selectSessionSchema,
  /** createSession's input: `userId`, an optional `title` and `metadata` (a JSON object). */
  createSessionInput,
  /** `{ sessionId, userId }`: a session as seen by the user acting (findSession, getSession, archiveSession, restoreSession, deleteSession). */
  sessionRefInput,
  /** listSessions' input: `userId`, `limit` (20 by default, at most `limits.page`), the previous page's `cursor`, and `archived` to list archived sessions instead. */
  listSessionsInput,
  /** renameSession's input: a session reference and its new `title` (`null` removes it). */
  renameSessionInput,
  /** mergeSessionMetadata's input: a session reference and a `metadata` patch merged with `||`; a `null` value removes its key. */
  mergeSessionMetadataInput,
} = sessionValidators(defaultLimits);
/** The input of createSession (createSessionInput's input type). */
export type CreateSessionInput = z.input<typeof createSessionInput>;
/** A session as seen by the user acting: the input of findSession, getSession, archiveSession, restoreSession and deleteSession (sessionRefInput's input type). */
export type SessionRefInput = z.input<typeof sessionRefInput>;
/** The input of listSessions (listSessionsInput's input type). */
export type ListSessionsInput = z.input<typeof listSessionsInput>;
/** The input of renameSession (renameSessionInput's input type). */
export type RenameSessionInput = z.input<typeof renameSessionInput>;
/** The input of mergeSessionMetadata (mergeSessionMetadataInput's input type). */
export type MergeSessionMetadataInput = z.input<typeof mergeSessionMetadataInput>;
