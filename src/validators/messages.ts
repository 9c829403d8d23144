import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { messages } from '../schema/chat.ts';
import { jsonObjectSchema, limits, storableText } from './common.ts';

const refinements = {
  content: (schema: z.ZodString) => storableText(schema.max(limits.content)),
  selectedText: (schema: z.ZodString) => storableText(schema.max(limits.selectedText)),
  metadata: () => jsonObjectSchema,
};

export const insertMessageSchema = createInsertSchema(messages, refinements);
export const updateMessageSchema = createUpdateSchema(messages, refinements);
export const selectMessageSchema = createSelectSchema(messages);
