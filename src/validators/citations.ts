import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageCitations } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, instantSchema, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

/** The citation validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function citationValidators(limits: Readonly<Limits>) {
  const refinements = {
    /** 1 to `limits.shortText` characters. */
    documentId: () => boundedText(limits.shortText, { min: 1 }),
    /** At most `limits.shortText` characters. */
    chunkId: () => boundedText(limits.shortText),
    // z.number() already refuses NaN and ±Infinity, as the score check does.
    /** Any finite number. */
    score: (schema: z.ZodNumber) => schema,
    /** A whole number from 1: the `[n]` the answer shows. */
    citationIndex: (schema: z.ZodNumber) => schema.int().positive(),
    /** At most `limits.title` characters. */
    title: () => boundedText(limits.title),
    /** At most `limits.url` characters. */
    url: () => boundedText(limits.url),
    /** At most `limits.snippet` characters. */
    snippet: () => boundedText(limits.snippet),
  };
  const insertCitationSchema = createInsertSchema(messageCitations, refinements);
  return {
    insertCitationSchema,
    updateCitationSchema: createUpdateSchema(messageCitations, refinements),
    selectCitationSchema: createSelectSchema(messageCitations),
    /** One source behind an answer, with a snapshot of what the reader was shown. */
    citationInput: insertCitationSchema
      .pick({ documentId: true, chunkId: true, score: true, citationIndex: true, title: true, url: true, snippet: true })
      .partial({ chunkId: true, score: true, title: true, url: true, snippet: true })
      .strict(),
    messageRefInput: z.strictObject({ messageId: idSchema, userId: userIdSchema }),
    listMessagesCitingDocumentInput: z.strictObject({
      userId: userIdSchema,
      documentId: boundedText(limits.shortText, { min: 1 }),
      chunkId: boundedText(limits.shortText).optional(),
      limit: pageSizeSchemaOf(limits).default(20),
      /** `nextCursor` of the previous page. */
      cursor: messageCursor.optional(),
    }),
    topCitedDocumentsInput: z.strictObject({
      since: instantSchema,
      until: instantSchema.optional(),
      limit: pageSizeSchemaOf(limits).default(10),
    }),
  };
}

export const {
  /** A `message_citations` row to insert (drizzle-zod), with bounded texts, a finite score and a citation index from 1. */
  insertCitationSchema,
  /** A change to a `message_citations` row (drizzle-zod): every column optional, refined as in insertCitationSchema. */
  updateCitationSchema,
  /** A `message_citations` row as read (drizzle-zod). */
  selectCitationSchema,
  /** One citation of a message (addMessage, addMessages): `documentId` and `citationIndex`, and optionally `chunkId`, `score`, `title`, `url`, `snippet`. */
  citationInput,
  /** `{ messageId, userId }`: a message as seen by the user acting (getMessage, getCitationsForMessage, clearFeedback). */
  messageRefInput,
  /** listMessagesCitingDocument's input: `userId`, `documentId`, an optional `chunkId`, `limit` (20 by default) and the previous page's `cursor`. */
  listMessagesCitingDocumentInput,
  /** topCitedDocuments' input: citations made from `since` up to `until` (now by default), `limit` documents (10 by default). */
  topCitedDocumentsInput,
} = citationValidators(defaultLimits);
/** One citation of a message, as addMessage and addMessages take it (citationInput's input type). */
export type CitationInput = z.input<typeof citationInput>;
/** A message as seen by the user acting: the input of getMessage, getCitationsForMessage and clearFeedback (messageRefInput's input type). */
export type MessageRefInput = z.input<typeof messageRefInput>;
/** The input of listMessagesCitingDocument (listMessagesCitingDocumentInput's input type). */
export type ListMessagesCitingDocumentInput = z.input<typeof listMessagesCitingDocumentInput>;
/** The input of topCitedDocuments (topCitedDocumentsInput's input type). */
export type TopCitedDocumentsInput = z.input<typeof topCitedDocumentsInput>;
