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

export const { purgeSessionsInput, exportUserDataInput } = lifecycleValidators(defaultLimits);
export type PurgeSessionsInput = z.input<typeof purgeSessionsInput>;
export type ExportUserDataInput = z.input<typeof exportUserDataInput>;
