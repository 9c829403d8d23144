import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageFeedback } from '../schema/chat.ts';
import { boundedText, idSchema, instantSchema } from './common.ts';

const refinements = {
  reason: () => boundedText('shortText'),
  comment: () => boundedText('comment'),
};

export const insertFeedbackSchema = createInsertSchema(messageFeedback, refinements);
export const updateFeedbackSchema = createUpdateSchema(messageFeedback, refinements);
export const selectFeedbackSchema = createSelectSchema(messageFeedback);

export const setFeedbackInput = insertFeedbackSchema
  .pick({ rating: true, reason: true, comment: true })
  .partial({ reason: true, comment: true })
  .extend({ messageId: idSchema, userId: idSchema })
  .strict();
export type SetFeedbackInput = z.input<typeof setFeedbackInput>;

export const feedbackSummaryInput = z.strictObject({ since: instantSchema, until: instantSchema.optional() });
export type FeedbackSummaryInput = z.input<typeof feedbackSummaryInput>;
