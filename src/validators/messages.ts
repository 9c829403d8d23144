import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messages } from '../schema/chat.ts';
import { citationInput } from './citations.ts';
import { boundedText, idSchema, instantSchema, jsonObjectSchema, jsonPatchSchema, limits, pageSizeSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

const refinements = {
  content: () => boundedText('content', { min: 1 }),
  selectedText: () => boundedText('selectedText'),
  metadata: () => jsonObjectSchema,
};

export const insertMessageSchema = createInsertSchema(messages, refinements);
export const updateMessageSchema = createUpdateSchema(messages, refinements);
export const selectMessageSchema = createSelectSchema(messages);

const citationList = z
  .array(citationInput)
  .superRefine((list, ctx) => {
    if (list.length > limits.citations) {
      ctx.addIssue({ code: 'too_big', origin: 'array', maximum: limits.citations, inclusive: true, input: list, message: `at most ${limits.citations} citations` });
    }
    const seen = new Set<number>();
    list.forEach((citation, index) => {
      if (seen.has(citation.citationIndex)) {
        ctx.addIssue({ code: 'custom', path: [index, 'citationIndex'], input: citation.citationIndex, message: 'citationIndex must be unique within a message' });
      }
      seen.add(citation.citationIndex);
    });
  })
  .default([]);

/** A message as written to a session: its text, the passage the reader highlighted, and the sources behind it. */
export const newMessageInput = insertMessageSchema
  .pick({ role: true, content: true, selectedText: true, metadata: true })
  .partial({ selectedText: true, metadata: true })
  .extend({ citations: citationList })
  .strict();
export type NewMessageInput = z.input<typeof newMessageInput>;

export const addMessageInput = newMessageInput.extend({ sessionId: idSchema, userId: idSchema });
export type AddMessageInput = z.input<typeof addMessageInput>;

/** A bulk import: messages in order; `createdAt` keeps original times (else they are now, in order). */
export const addMessagesInput = z.strictObject({
  sessionId: idSchema,
  userId: idSchema,
  messages: z.array(newMessageInput.extend({ createdAt: instantSchema.optional() })).min(1),
});
export type AddMessagesInput = z.input<typeof addMessagesInput>;

export const mergeMessageMetadataInput = z.strictObject({ messageId: idSchema, userId: idSchema, metadata: jsonPatchSchema });
export type MergeMessageMetadataInput = z.input<typeof mergeMessageMetadataInput>;

export const deleteMessagesAfterInput = z.strictObject({
  messageId: idSchema,
  userId: idSchema,
  /** Keep the message itself and delete only what follows (false: delete it too, the default, for editing it). */
  keepMessage: z.boolean().default(false),
});
export type DeleteMessagesAfterInput = z.input<typeof deleteMessagesAfterInput>;

export const countUserMessagesSinceInput = z.strictObject({
  userId: idSchema,
  since: instantSchema,
  /** Which messages count: the user's own by default. */
  role: insertMessageSchema.shape.role.default('user'),
});
export type CountUserMessagesSinceInput = z.input<typeof countUserMessagesSinceInput>;

export const searchMessagesInput = z.strictObject({
  userId: idSchema,
  /** Plain words: quotes, operators and punctuation are just text. */
  query: boundedText('shortText', { min: 1 }),
  limit: pageSizeSchema.default(20),
  /** Markers around matched words in the snippet. */
  highlight: z
    .tuple([z.string().regex(/^[^",]{0,20}$/, 'a marker of up to 20 characters, without " or ,'), z.string().regex(/^[^",]{0,20}$/, 'a marker of up to 20 characters, without " or ,')])
    .default(['**', '**']),
});
export type SearchMessagesInput = z.input<typeof searchMessagesInput>;

export const conversationInput = z.strictObject({
  sessionId: idSchema,
  userId: idSchema,
  /** Newest messages to return (the page ends at the newest, or just before `before`). */
  limit: pageSizeSchema.default(100),
  /** `nextCursor` of the previous (newer) page, to read further back. */
  before: messageCursor.optional(),
});
export type ConversationInput = z.input<typeof conversationInput>;
