import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageFeedback } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, instantSchema, type Limits, userIdSchema } from './common.ts';

/** The feedback validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function feedbackValidators(limits: Readonly<Limits>) {
  const refinements = {
    userId: () => userIdSchema,
    reason: () => boundedText(limits.shortText),
    comment: () => boundedText(limits.comment),
  };
  const insertFeedbackSchema = createInsertSchema(messageFeedback, refinements);
  return {
    insertFeedbackSchema,
    updateFeedbackSchema: createUpdateSchema(messageFeedback, refinements),
    selectFeedbackSchema: createSelectSchema(messageFeedback),
    setFeedbackInput: insertFeedbackSchema
      .pick({ rating: true, reason: true, comment: true })
      .partial({ reason: true, comment: true })
      .extend({ messageId: idSchema, userId: userIdSchema })
      .strict(),
    feedbackSummaryInput: z.strictObject({ since: instantSchema, until: instantSchema.optional() }),
  };
}

export const { insertFeedbackSchema, updateFeedbackSchema, selectFeedbackSchema, setFeedbackInput, feedbackSummaryInput } =
  feedbackValidators(defaultLimits);
export type SetFeedbackInput = z.input<typeof setFeedbackInput>;
export type FeedbackSummaryInput = z.input<typeof feedbackSummaryInput>;
