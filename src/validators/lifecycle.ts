import { z } from 'zod';
import { instantSchema } from './common.ts';

export const purgeSessionsInput = z.strictObject({
  /** Sessions whose latest activity is older than this are deleted, with everything in them. */
  olderThan: instantSchema,
  /** Sessions per batch: each batch is its own short transaction (500). */
  batchSize: z.number().int().min(1).max(10_000).default(500),
});
export type PurgeSessionsInput = z.input<typeof purgeSessionsInput>;
