import { z } from 'zod';
import { defaultLimits, instantSchema, type Limits, pageSizeSchemaOf, userIdSchema } from './common.ts';

/** The lifecycle validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function lifecycleValidators(limits: Readonly<Limits>) {
  return {
    purgeSessionsInput: z.strictObject({
      /** Sessions whose latest activity is older than this are deleted, with everything in them. */
      olderThan: instantSchema,
      /** Sessions per batch: each batch is its own short transaction (500). */
      batchSize: z.number().int().min(1).max(10_000).default(500),
    }),
    exportUserDataInput: z.strictObject({
      userId: userIdSchema,
      /** Messages (and sessions, and ratings) read per round trip: what the export holds in memory at once (100). */
      pageSize: pageSizeSchemaOf(limits).default(100),
    }),
  };
}

export const {
  /** purgeSessions' input: `olderThan` (a Date or an ISO 8601 string) and `batchSize` (sessions per transaction, 500 by default, at most 10,000). */
  purgeSessionsInput,
  /** The input of exportUserData, streamUserData and exportUserDataJson: `userId` and `pageSize` (rows per round trip, 100 by default, at most `limits.page`). */
  exportUserDataInput,
} = lifecycleValidators(defaultLimits);
/** The input of purgeSessions (purgeSessionsInput's input type). */
export type PurgeSessionsInput = z.input<typeof purgeSessionsInput>;
/** The input of exportUserData, streamUserData and exportUserDataJson (exportUserDataInput's input type). */
export type ExportUserDataInput = z.input<typeof exportUserDataInput>;
