/** Holding a lock from another connection, to put concurrent statements in a chosen order. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from './databases.ts';

/** Runs `statement` in a transaction of its own connection and keeps its locks until the returned release(). */
export async function holdLock(sql: Sql, statement: (blocker: Awaited<ReturnType<Sql['reserve']>>) => Promise<unknown>) {
  const blocker = await sql.reserve();
  await blocker`BEGIN`;
  await statement(blocker);
  return async () => {
    await blocker`ROLLBACK`;
    blocker.release();
  };
}

/** Waits until at least `count` backends of this database are blocked on a lock (statements in flight, queued). */
export async function untilWaitingOnLock(sql: Sql, count = 1) {
  for (let i = 0; i < 500; i++) {
    const [row] = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (row!.n >= count) return;
    await sleep(10);
  }
  throw new Error(`fewer than ${count} statements ever waited on a lock`);
}
