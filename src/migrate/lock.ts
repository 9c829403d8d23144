/**
 * One runner at a time per database: a session-level advisory lock, taken
 * with pg_try_advisory_lock and polled with backoff. The blocking form would
 * sit inside a statement, and CREATE INDEX CONCURRENTLY in the runner that
 * holds the lock waits for every open statement to finish: a deadlock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from './client.ts';
import { isConnectionLost, MigrationLockTimeoutError } from './errors.ts';

/** The advisory lock key: "rag-chat" in ASCII, as a bigint. */
export const migrationLockKey = '8241982237703692660';

export interface LockOptions {
  /** How long to wait for another runner, in ms. */
  waitMs: number;
  onWait?: (holder: string | undefined) => void;
}

export async function acquireMigrationLock(q: Queryable, { waitMs, onWait }: LockOptions): Promise<() => Promise<void>> {
  const started = Date.now();
  let delay = 25;
  let announced = false;
  for (;;) {
    const [row] = await q.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [migrationLockKey]);
    if (row?.locked) {
      return async () => {
        try {
          await q.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey]);
        } catch (error) {
          // A session lock ends with its session: with the connection gone there is nothing to release,
          // and the error that lost it is the one to report.
          if (!isConnectionLost(error)) throw error;
        }
      };
    }
    const holder = await lockHolder(q);
    if (!announced) {
      onWait?.(holder);
      announced = true;
    }
    const left = waitMs - (Date.now() - started);
    if (left <= 0) throw new MigrationLockTimeoutError(Date.now() - started, holder);
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 1_000);
  }
}

async function lockHolder(q: Queryable): Promise<string | undefined> {
  const [row] = await q.query<{ pid: number; application_name: string; since: string }>(
    `SELECT a.pid, a.application_name, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS since
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint
     LIMIT 1`,
    [migrationLockKey],
  );
  return row ? `pid ${row.pid}, ${row.application_name || 'unnamed'}, connected since ${row.since}` : undefined;
}
