import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { messageFeedback } from '../schema/chat.ts';
import { boundedText, defaultLimits, idSchema, instantSchema, type Limits, userIdSchema } from './common.ts';

/** The feedback validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function feedbackValidators(limits: Readonly<Limits>) {
  const refinements = {
    /** A user id (userIdSchema). */
    userId: () => userIdSchema,
    /** At most `limits.shortText` characters. */
    reason: () => boundedText(limits.shortText),
    /** At most `limits.comment` characters. */
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

export const {
  /** A `message_feedback` row to insert (drizzle-zod), with a bounded reason and comment. */
  insertFeedbackSchema,
  /** A change to a `message_feedback` row (drizzle-zod): every column optional, refined as in insertFeedbackSchema. */
  updateFeedbackSchema,
  /** A `message_feedback` row as read (drizzle-zod). */
  selectFeedbackSchema,
  /** setFeedback's input: `messageId`, `userId`, a `rating` (`up` or `down`) and an optional `reason` and `comment`. */
  setFeedbackInput,
  /** feedbackSummary's input: the ratings given from `since` up to `until` (now by default), each a Date or an ISO 8601 string. */
  feedbackSummaryInput,
} = feedbackValidators(defaultLimits);
/** The input of setFeedback (setFeedbackInput's input type). */
export type SetFeedbackInput = z.input<typeof setFeedbackInput>;
/** The input of feedbackSummary (feedbackSummaryInput's input type). */
export type FeedbackSummaryInput = z.input<typeof feedbackSummaryInput>;
