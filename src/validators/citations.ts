import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageCitations } from '../schema/chat.ts';
import { boundedText, idSchema, instantSchema, pageSizeSchema } from './common.ts';
import { messageCursor } from './cursors.ts';

const refinements = {
  documentId: () => boundedText('shortText', { min: 1 }),
  chunkId: () => boundedText('shortText'),
  // z.number() already refuses NaN and ±Infinity, as the score check does.
  score: (schema: z.ZodNumber) => schema,
  citationIndex: (schema: z.ZodNumber) => schema.int().positive(),
  title: () => boundedText('title'),
  url: () => boundedText('url'),
  snippet: () => boundedText('snippet'),
};

export const insertCitationSchema = createInsertSchema(messageCitations, refinements);
export const updateCitationSchema = createUpdateSchema(messageCitations, refinements);
export const selectCitationSchema = createSelectSchema(messageCitations);

/** One source behind an answer, with a snapshot of what the reader was shown. */
export const citationInput = insertCitationSchema
  .pick({ documentId: true, chunkId: true, score: true, citationIndex: true, title: true, url: true, snippet: true })
  .partial({ chunkId: true, score: true, title: true, url: true, snippet: true })
  .strict();
export type CitationInput = z.input<typeof citationInput>;

export const messageRefInput = z.strictObject({ messageId: idSchema, userId: idSchema });
export type MessageRefInput = z.input<typeof messageRefInput>;

export const listMessagesCitingDocumentInput = z.strictObject({
  userId: idSchema,
  documentId: boundedText('shortText', { min: 1 }),
  chunkId: boundedText('shortText').optional(),
  limit: pageSizeSchema.default(20),
  /** `nextCursor` of the previous page. */
  cursor: messageCursor.optional(),
});
export type ListMessagesCitingDocumentInput = z.input<typeof listMessagesCitingDocumentInput>;

export const topCitedDocumentsInput = z.strictObject({
  since: instantSchema,
  until: instantSchema.optional(),
  limit: pageSizeSchema.default(10),
});
export type TopCitedDocumentsInput = z.input<typeof topCitedDocumentsInput>;
