/** Acting as one user under the rls module's row-level security. */
import { is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { rlsRole, userIdSetting } from '../schema/rls.ts';
import { userIdSchema } from '../validators/common.ts';
import { type Executor, parseInput, queryRows, scopeToUser, transaction } from './executor.ts';

const withUserOptions = z.strictObject({
  userId: userIdSchema,
  /** Switch to this role for the transaction (the login role must be a member), e.g. `rag_chat_app`. */
  role: z.literal(rlsRole).optional(),
});

/**
 * Runs `fn` in one transaction in which only `userId`'s rows are visible and
 * writable: sets `app.user_id` for the transaction (works behind PgBouncer in
 * transaction mode) and, with `role`, switches to the role without BYPASSRLS.
 * Two round trips before `fn`'s own: BEGIN and the setting.
 *
 * Called with the `tx` of an enclosing withUser (or any transaction), it runs
 * `fn` in a savepoint and then gives the enclosing code back its own user and
 * role (a setting made for the transaction would otherwise outlive the
 * savepoint): one more round trip. Errors from the database are this
 * library's errors; whatever else `fn` throws reaches the caller unchanged.
 */
export async function withUser<T>(db: Executor, options: { userId: string; role?: typeof rlsRole }, fn: (tx: Executor) => Promise<T>): Promise<T> {
  const { userId, role } = parseInput(withUserOptions, options);
  const nested = is(db, PgTransaction);
  return transaction(db, 'user', async (tx) => {
    // The enclosing values are read before they are replaced (the subquery runs first).
    const [outer] = await queryRows<{ userId: string | null; role: string }>(
      tx,
      sql`SELECT o.user_id AS "userId", o.role, set_config(${userIdSetting}, ${userId}, true)
          ${role ? sql`, set_config('role', ${role}, true)` : sql``}
          FROM (SELECT current_setting(${userIdSetting}, true) AS user_id, current_setting('role') AS role OFFSET 0) o`,
      'user',
    );
    scopeToUser(tx);
    const result = await fn(tx);
    if (nested) {
      await queryRows(
        tx,
        sql`SELECT set_config(${userIdSetting}, ${outer!.userId ?? ''}, true)${role ? sql`, set_config('role', ${outer!.role}, true)` : sql``}`,
        'user',
      );
    }
    return result;
  });
}
