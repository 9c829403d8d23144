import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { clientIdMaxLength, messages } from '../schema/chat.ts';
import { citationValidators } from './citations.ts';
import { boundedText, defaultLimits, idSchema, instantSchema, jsonObjectSchemaOf, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

/** The message validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function messageValidators(limits: Readonly<Limits>, citations: Pick<ReturnType<typeof citationValidators>, 'citationInput'> = citationValidators(limits)) {
  const jsonObject = jsonObjectSchemaOf(limits);
  const refinements = {
    /** 1 to `limits.content` characters. */
    content: () => boundedText(limits.content, { min: 1 }),
    /** At most `limits.selectedText` characters. */
    selectedText: () => boundedText(limits.selectedText),
    /** A JSON object within `limits.jsonDepth` and `limits.jsonBytes`. */
    metadata: () => jsonObject,
  };
  const insertMessageSchema = createInsertSchema(messages, refinements);

  const citationList = z
    .array(citations.citationInput)
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
  const newMessageInput = insertMessageSchema
    .pick({ role: true, content: true, selectedText: true, metadata: true })
    .partial({ selectedText: true, metadata: true })
    .extend({ citations: citationList })
    .strict();
  const marker = z.string().regex(/^[^",]{0,20}$/, 'a marker of up to 20 characters, without " or ,');

  return {
    insertMessageSchema,
    updateMessageSchema: createUpdateSchema(messages, refinements),
    selectMessageSchema: createSelectSchema(messages),
    newMessageInput,
    addMessageInput: newMessageInput.extend({ sessionId: idSchema, userId: userIdSchema }),
    /** A bulk import: messages in order; `createdAt` keeps original times (else they are now, in order). */
    addMessagesInput: z.strictObject({
      sessionId: idSchema,
      userId: userIdSchema,
      messages: z.array(newMessageInput.extend({ createdAt: instantSchema.optional() })).min(1),
    }),
    mergeMessageMetadataInput: z.strictObject({ messageId: idSchema, userId: userIdSchema, metadata: jsonObject }),
    /** The message by our id (`messageId`), or by the id the client knows it by (`sessionId` and `clientId`: an AI SDK UIMessage id). */
    deleteMessagesAfterInput: z
      .strictObject({
        messageId: idSchema.optional(),
        sessionId: idSchema.optional(),
        clientId: boundedText(clientIdMaxLength, { min: 1 }).optional(),
        userId: userIdSchema,
        /** Keep the message itself and delete only what follows (false: delete it too, the default, for editing it). */
        keepMessage: z.boolean().default(false),
      })
      .superRefine((input, ctx) => {
        const byClientId = input.sessionId !== undefined || input.clientId !== undefined;
        if (input.messageId === undefined ? !(input.sessionId !== undefined && input.clientId !== undefined) : byClientId) {
          ctx.addIssue({ code: 'custom', path: ['messageId'], input, message: 'give messageId, or sessionId and clientId (not both)' });
        }
      }),
    countUserMessagesSinceInput: z.strictObject({
      userId: userIdSchema,
      since: instantSchema,
      /** Which messages count: the user's own by default. */
      role: insertMessageSchema.shape.role.default('user'),
    }),
    searchMessagesInput: z.strictObject({
      userId: userIdSchema,
      /** Plain words: quotes, operators and punctuation are just text. */
      query: boundedText(limits.shortText, { min: 1 }),
      limit: pageSizeSchemaOf(limits).default(20),
      /** Markers around matched words in the snippet. */
      highlight: z.tuple([marker, marker]).default(['**', '**']),
    }),
    conversationInput: z.strictObject({
      sessionId: idSchema,
      userId: userIdSchema,
      /** Newest messages to return (the page ends at the newest, or just before `before`). */
      limit: pageSizeSchemaOf(limits).default(100),
      /** `nextCursor` of the previous (newer) page, to read further back. */
      before: messageCursor.optional(),
    }),
  };
}

export const {
  /** A `messages` row to insert (drizzle-zod), with non-empty bounded content, bounded selected text and a JSON object as metadata. */
  insertMessageSchema,
  /** A change to a `messages` row (drizzle-zod): every column optional, refined as in insertMessageSchema. */
  updateMessageSchema,
  /** A `messages` row as read (drizzle-zod). */
  selectMessageSchema,
  /** A message to write: `role`, `content`, optional `selectedText` and `metadata`, and `citations` (at most `limits.citations`, each `citationIndex` unique). */
  newMessageInput,
  /** addMessage's input: a newMessageInput with the `sessionId` and the `userId` acting. */
  addMessageInput,
  /** addMessages' input: `sessionId`, `userId` and at least one message, each with an optional original `createdAt`. */
  addMessagesInput,
  /** mergeMessageMetadata's input: `messageId`, `userId` and a `metadata` patch; a `null` value removes its key. */
  mergeMessageMetadataInput,
  /** deleteMessagesAfter's input: the message by `messageId`, or by `sessionId` and `clientId` (not both), the `userId` acting, and `keepMessage` (false by default: the message goes too). */
  deleteMessagesAfterInput,
  /** countUserMessagesSince's input: `userId`, `since` (a Date or an ISO 8601 string) and the `role` to count (`user` by default). */
  countUserMessagesSinceInput,
  /** searchMessages' input: `userId`, a plain-words `query` (1 to `limits.shortText` characters), `limit` (20 by default) and the `highlight` markers (`['**', '**']`). */
  searchMessagesInput,
  /** getConversationWithCitations' input: `sessionId`, `userId`, `limit` newest messages (100 by default) and `before`, the previous page's cursor. */
  conversationInput,
} = messageValidators(defaultLimits);
/** A message as addMessage and addMessages write it (newMessageInput's input type). */
export type NewMessageInput = z.input<typeof newMessageInput>;
/** The input of addMessage (addMessageInput's input type). */
export type AddMessageInput = z.input<typeof addMessageInput>;
/** The input of addMessages (addMessagesInput's input type). */
export type AddMessagesInput = z.input<typeof addMessagesInput>;
/** The input of mergeMessageMetadata (mergeMessageMetadataInput's input type). */
export type MergeMessageMetadataInput = z.input<typeof mergeMessageMetadataInput>;
/** The input of deleteMessagesAfter (deleteMessagesAfterInput's input type). */
export type DeleteMessagesAfterInput = z.input<typeof deleteMessagesAfterInput>;
/** The input of countUserMessagesSince (countUserMessagesSinceInput's input type). */
export type CountUserMessagesSinceInput = z.input<typeof countUserMessagesSinceInput>;
/** The input of searchMessages (searchMessagesInput's input type). */
export type SearchMessagesInput = z.input<typeof searchMessagesInput>;
/** The input of getConversationWithCitations (conversationInput's input type). */
export type ConversationInput = z.input<typeof conversationInput>;
