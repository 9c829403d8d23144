/** Acting as one user under the rls module's row-level security. */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rlsRole, userIdSetting } from '../schema/rls.ts';
import { idSchema } from '../validators/common.ts';
import { type Executor, parseInput, queryRows } from './executor.ts';

const withUserOptions = z.strictObject({
  userId: idSchema,
  /** Switch to this role for the transaction (the login role must be a member), e.g. `rag_chat_app`. */
  role: z.literal(rlsRole).optional(),
});

/**
 * Runs `fn` in one transaction in which only `userId`'s rows are visible and
 * writable: sets `app.user_id` for the transaction (works behind PgBouncer in
 * transaction mode) and, with `role`, switches to the role without BYPASSRLS.
 * Two round trips before `fn`'s own: BEGIN and the setting (one more with `role`).
 */
export async function withUser<T>(db: Executor, options: { userId: string; role?: typeof rlsRole }, fn: (tx: Executor) => Promise<T>): Promise<T> {
  const { userId, role } = parseInput(withUserOptions, options);
  return db.transaction(async (tx) => {
    await queryRows(tx, sql`SELECT set_config(${userIdSetting}, ${userId}, true)`, 'user');
    if (role) await queryRows(tx, sql`SET LOCAL ROLE ${sql.raw(rlsRole)}`, 'user');
    return fn(tx);
  });
}
