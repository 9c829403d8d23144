import { z } from 'zod';
import { idSchema, instantSchema, pageSizeSchema } from './common.ts';

export const purgeSessionsInput = z.strictObject({
  /** Sessions whose latest activity is older than this are deleted, with everything in them. */
  olderThan: instantSchema,
  /** Sessions per batch: each batch is its own short transaction (500). */
  batchSize: z.number().int().min(1).max(10_000).default(500),
});
export type PurgeSessionsInput = z.input<typeof purgeSessionsInput>;

export const exportUserDataInput = z.strictObject({
  userId: idSchema,
  /** Messages (and sessions, and ratings) read per round trip: what the export holds in memory at once (100). */
  pageSize: pageSizeSchema.default(100),
});
export type ExportUserDataInput = z.input<typeof exportUserDataInput>;
