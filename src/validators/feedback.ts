import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { messageFeedback } from '../schema/chat.ts';
import { limits, storableText } from './common.ts';

const refinements = {
  reason: (schema: z.ZodString) => storableText(schema.max(limits.shortText)),
  comment: (schema: z.ZodString) => storableText(schema.max(limits.comment)),
};

export const insertFeedbackSchema = createInsertSchema(messageFeedback, refinements);
export const updateFeedbackSchema = createUpdateSchema(messageFeedback, refinements);
export const selectFeedbackSchema = createSelectSchema(messageFeedback);
