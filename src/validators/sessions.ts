import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { chatSessions } from '../schema/chat.ts';
import { boundedText, idSchema, jsonObjectSchema, jsonPatchSchema, pageSizeSchema } from './common.ts';
import { sessionCursor } from './cursors.ts';

const refinements = {
  title: () => boundedText('title'),
  metadata: () => jsonObjectSchema,
};

export const insertSessionSchema = createInsertSchema(chatSessions, refinements);
export const updateSessionSchema = createUpdateSchema(chatSessions, refinements);
export const selectSessionSchema = createSelectSchema(chatSessions);

export const createSessionInput = insertSessionSchema
  .pick({ title: true, metadata: true })
  .partial()
  .extend({ userId: idSchema })
  .strict();
export type CreateSessionInput = z.input<typeof createSessionInput>;

/** A session, as seen by the user acting. */
export const sessionRefInput = z.strictObject({ sessionId: idSchema, userId: idSchema });
export type SessionRefInput = z.input<typeof sessionRefInput>;

export const listSessionsInput = z.strictObject({
  userId: idSchema,
  limit: pageSizeSchema.default(20),
  /** `nextCursor` of the previous page. */
  cursor: sessionCursor.optional(),
  /** List archived sessions (most recently archived first) instead of open ones. */
  archived: z.boolean().default(false),
});
export type ListSessionsInput = z.input<typeof listSessionsInput>;

export const renameSessionInput = sessionRefInput.extend({ title: boundedText('title').nullable() });
export type RenameSessionInput = z.input<typeof renameSessionInput>;

/** Merged into the stored object with `||`; a key whose value is `null` is removed. */
export const mergeSessionMetadataInput = sessionRefInput.extend({ metadata: jsonPatchSchema });
export type MergeSessionMetadataInput = z.input<typeof mergeSessionMetadataInput>;
