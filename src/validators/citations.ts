import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageCitations } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, instantSchema, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

/** The citation validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function citationValidators(limits: Readonly<Limits>) {
  const refinements = {
    documentId: () => boundedText(limits.shortText, { min: 1 }),
    chunkId: () => boundedText(limits.shortText),
    // z.number() already refuses NaN and ±Infinity, as the score check does.
    score: (schema: z.ZodNumber) => schema,
    citationIndex: (schema: z.ZodNumber) => schema.int().positive(),
    title: () => boundedText(limits.title),
    url: () => boundedText(limits.url),
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
  insertCitationSchema,
  updateCitationSchema,
  selectCitationSchema,
  citationInput,
  messageRefInput,
  listMessagesCitingDocumentInput,
  topCitedDocumentsInput,
} = citationValidators(defaultLimits);
export type CitationInput = z.input<typeof citationInput>;
export type MessageRefInput = z.input<typeof messageRefInput>;
export type ListMessagesCitingDocumentInput = z.input<typeof listMessagesCitingDocumentInput>;
export type TopCitedDocumentsInput = z.input<typeof topCitedDocumentsInput>;
