import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { chatSessions } from '../schema/chat.ts';
import { jsonObjectSchema, limits, storableText } from './common.ts';

const refinements = {
  title: (schema: z.ZodString) => storableText(schema.max(limits.title)),
  metadata: () => jsonObjectSchema,
};

export const insertSessionSchema = createInsertSchema(chatSessions, refinements);
export const updateSessionSchema = createUpdateSchema(chatSessions, refinements);
export const selectSessionSchema = createSelectSchema(chatSessions);
