import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { messageCitations } from '../schema/chat.ts';
import { limits, storableText } from './common.ts';

const shortText = (schema: z.ZodString) => storableText(schema.max(limits.shortText));

const refinements = {
  documentId: (schema: z.ZodString) => storableText(schema.min(1).max(limits.shortText)),
  chunkId: shortText,
  // z.number() already refuses NaN and ±Infinity, as the score check does.
  score: (schema: z.ZodNumber) => schema,
  citationIndex: (schema: z.ZodNumber) => schema.int().nonnegative(),
  title: (schema: z.ZodString) => storableText(schema.max(limits.title)),
  url: (schema: z.ZodString) => storableText(schema.max(limits.url)),
  snippet: (schema: z.ZodString) => storableText(schema.max(limits.snippet)),
};

export const insertCitationSchema = createInsertSchema(messageCitations, refinements);
export const updateCitationSchema = createUpdateSchema(messageCitations, refinements);
export const selectCitationSchema = createSelectSchema(messageCitations);
