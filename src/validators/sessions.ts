import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { chatSessions } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, jsonObjectSchemaOf, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { sessionCursor } from './cursors.ts';

/** The session validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function sessionValidators(limits: Readonly<Limits>) {
  const jsonObject = jsonObjectSchemaOf(limits);
  const refinements = {
    userId: () => userIdSchema,
    title: () => boundedText(limits.title),
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
  insertSessionSchema,
  updateSessionSchema,
  selectSessionSchema,
  createSessionInput,
  sessionRefInput,
  listSessionsInput,
  renameSessionInput,
  mergeSessionMetadataInput,
} = sessionValidators(defaultLimits);
export type CreateSessionInput = z.input<typeof createSessionInput>;
export type SessionRefInput = z.input<typeof sessionRefInput>;
export type ListSessionsInput = z.input<typeof listSessionsInput>;
export type RenameSessionInput = z.input<typeof renameSessionInput>;
export type MergeSessionMetadataInput = z.input<typeof mergeSessionMetadataInput>;
