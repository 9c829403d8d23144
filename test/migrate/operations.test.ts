/**
 * Operating the runner on a busy production database (Neon or any other):
 * lock timeouts retried with backoff and then reported as "blocked",
 * statement_timeout, CREATE INDEX CONCURRENTLY that times out, and a
 * connection that drops in the middle of a file.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectForMigrations, type MigrationClient } from '../../src/migrate/client.ts';
import {
  isConnectionLost,
  MigrationBlockedError,
  MigrationConnectionLostError,
  MigrationFailedError,
  MigrationRefusedError,
} from '../../src/migrate/errors.ts';
import { applyMigrations, type ProgressEvent, readStates, resolveIncomplete } from '../../src/migrate/runner.ts';
import type { Sql } from '../support/databases.ts';
import { useDatabase } from '../support/context.ts';
import { addMigration, writeMigrationSet } from '../support/migration-sets.ts';

const t = useDatabase({ modules: [] });
let client: MigrationClient;
beforeAll(async () => {
  client = await connectForMigrations(t.url);
});
afterAll(() => client.close());

const exists = async (name: string) => (await t.sql`SELECT to_regclass(${name}) IS NOT NULL AS e`)[0]!.e as boolean;
const indexValid = async (name: string) =>
  (await t.sql`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(${name})`)[0]?.indisvalid as boolean | undefined;

/** A transaction on a connection of its own that holds what `statement` locks until `release()`. */
async function holdLocks(sql: Sql, statement: string) {
  const blocker = await sql.reserve();
  await blocker`BEGIN`;
  await blocker.unsafe(statement);
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        await blocker`ROLLBACK`;
        blocker.release();
      })()),
  };
}

async function tableSet(table: string) {
  const set = writeMigrationSet([{ tag: '0000_table', up: `CREATE TABLE ${table} (v int)`, down: `DROP TABLE ${table}` }]);
  await applyMigrations(client, [set]);
  return set;
}

describe('lock timeouts are retried with backoff, then reported as blocked', () => {
  test('a lock released between attempts: the retry applies the file', async () => {
    const set = await tableSet('retry_busy');
    addMigration(set, { tag: '0001_alter', up: 'ALTER TABLE retry_busy ADD COLUMN note text', down: 'ALTER TABLE retry_busy DROP COLUMN note' });
    const blocker = await holdLocks(t.sql, 'SELECT * FROM retry_busy');
    const events: ProgressEvent[] = [];
    try {
      const steps = await applyMigrations(client, [set], {
        lockTimeoutMs: 500,
        lockRetryDelayMs: 10,
        onProgress: (event) => {
          events.push(event);
          if (event.type === 'retry') void blocker.release(); // the long transaction ends while the runner backs off
        },
      });
      expect(steps.map((step) => step.tag)).toEqual(['0001_alter']);
    } finally {
      await blocker.release();
    }
    expect(events.filter((event) => event.type === 'retry')).toMatchObject([{ tag: '0001_alter', attempt: 2, attempts: 4 }]);
  });

  test('a lock held through every attempt: MigrationBlockedError (not a broken migration), nothing applied', async () => {
    const set = await tableSet('retry_held');
    addMigration(set, { tag: '0001_alter', up: 'ALTER TABLE retry_held ADD COLUMN note text', down: 'ALTER TABLE retry_held DROP COLUMN note' });
    const blocker = await holdLocks(t.sql, 'SELECT * FROM retry_held');
    const retries: ProgressEvent[] = [];
    try {
      const failure = await applyMigrations(client, [set], {
        lockTimeoutMs: 50,
        lockRetries: 2,
        lockRetryDelayMs: 10,
        onProgress: (event) => event.type === 'retry' && retries.push(event),
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationBlockedError);
      expect(failure).toMatchObject({ code: 'MIGRATION_BLOCKED', tag: '0001_alter', attempts: 3, sqlState: '55P03' });
      expect((failure as Error).message).toContain('gave up after 3 attempts');
    } finally {
      await blocker.release();
    }
    expect(retries.map((event) => (event as { attempt: number }).attempt)).toEqual([2, 3]);
    expect((await readStates(client, [set]))[0]!.pending.map((file) => file.tag)).toEqual(['0001_alter']);
  });

  test('in a no-transaction file the blocked statement is what is retried; the attempts are counted per statement', async () => {
    const set = await tableSet('retry_nt');
    addMigration(set, {
      tag: '0001_two',
      up: '-- rag-chat-db: no-transaction\nCREATE TABLE IF NOT EXISTS retry_nt_side (v int)\n--> statement-breakpoint\nALTER TABLE retry_nt ADD COLUMN IF NOT EXISTS note text',
      down: '-- rag-chat-db: no-transaction\nALTER TABLE retry_nt DROP COLUMN IF EXISTS note\n--> statement-breakpoint\nDROP TABLE IF EXISTS retry_nt_side',
    });
    const blocker = await holdLocks(t.sql, 'SELECT * FROM retry_nt');
    try {
      const failure = await applyMigrations(client, [set], { lockTimeoutMs: 50, lockRetries: 1, lockRetryDelayMs: 10 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationBlockedError);
      expect(failure).toMatchObject({ tag: '0001_two', statementIndex: 2, noTransaction: true, attempts: 2 });
    } finally {
      await blocker.release();
    }
    expect(await exists('retry_nt_side')).toBe(true); // statement 1 stays done
    expect((await readStates(client, [set]))[0]!.incomplete).toMatchObject([{ tag: '0001_two', status: 'failed', statementIndex: 2 }]);
    expect(await resolveIncomplete(client, set, '0001_two', 'retry')).toContain('resumed at statement 2 of 2; applied');
  });

  test('lockRetries 0: one attempt', async () => {
    const set = await tableSet('retry_none');
    addMigration(set, { tag: '0001_alter', up: 'ALTER TABLE retry_none ADD COLUMN note text', down: 'ALTER TABLE retry_none DROP COLUMN note' });
    const blocker = await holdLocks(t.sql, 'SELECT * FROM retry_none');
    try {
      await expect(applyMigrations(client, [set], { lockTimeoutMs: 50, lockRetries: 0 })).rejects.toMatchObject({ attempts: 1 });
    } finally {
      await blocker.release();
    }
  });

  test('CREATE INDEX CONCURRENTLY timed out behind a writer: the retry drops the INVALID index it left and builds a valid one', async () => {
    const set = await tableSet('retry_cic');
    addMigration(set, {
      tag: '0001_index',
      up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS retry_cic_v_idx ON retry_cic (v)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS retry_cic_v_idx',
    });
    // An open write transaction: CONCURRENTLY creates the index, then waits for it, and times out with the index INVALID.
    const blocker = await holdLocks(t.sql, 'INSERT INTO retry_cic VALUES (1)');
    try {
      const steps = await applyMigrations(client, [set], {
        lockTimeoutMs: 300,
        lockRetryDelayMs: 10,
        onProgress: (event) => event.type === 'retry' && void blocker.release(),
      });
      expect(steps.map((step) => step.tag)).toEqual(['0001_index']);
    } finally {
      await blocker.release();
    }
    expect(await indexValid('retry_cic_v_idx')).toBe(true); // IF NOT EXISTS alone would have kept the INVALID one
  });
});

describe('statement_timeout', () => {
  test('statementTimeoutMs bounds every statement of a transactional file', async () => {
    const set = await tableSet('st_slow');
    addMigration(set, { tag: '0001_slow', up: 'SELECT pg_sleep(5)', down: 'SELECT 1' });
    const failure = await applyMigrations(client, [set], { statementTimeoutMs: 100 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect(failure).not.toBeInstanceOf(MigrationBlockedError);
    expect(failure).toMatchObject({ tag: '0001_slow', sqlState: '57014' }); // query_canceled
    const [setting] = await client.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(setting!.statement_timeout).toBe('0'); // local to the file's transaction
  });

  test('a CREATE INDEX CONCURRENTLY that times out while building: its INVALID index is dropped', async () => {
    const set = await tableSet('st_cic');
    await t.sql`INSERT INTO st_cic VALUES (1)`;
    // IMMUTABLE is a lie that lets the index call it: each row of the build sleeps.
    await t.sql`CREATE FUNCTION st_cic_slow(v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT v FROM (SELECT pg_sleep(5)) s'`;
    addMigration(set, {
      tag: '0001_index',
      up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS st_cic_slow_idx ON st_cic (st_cic_slow(v))',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS st_cic_slow_idx',
    });
    const failure = await applyMigrations(client, [set], { statementTimeoutMs: 300 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ tag: '0001_index', noTransaction: true, sqlState: '57014' });
    expect((failure as Error).message).not.toContain('INVALID');
    expect(await exists('st_cic_slow_idx')).toBe(false);
    const [setting] = await client.query<{ statement_timeout: string }>('SHOW statement_timeout');
    expect(setting!.statement_timeout).toBe('0'); // reset after the file
  });

  test('an INVALID index that cannot be dropped (the writer is still there) is named with the file, and resolve drops it later', async () => {
    const set = await tableSet('st_held');
    addMigration(set, {
      tag: '0001_index',
      up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS st_held_v_idx ON st_held (v)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS st_held_v_idx',
    });
    const blocker = await holdLocks(t.sql, 'INSERT INTO st_held VALUES (1)');
    try {
      const failure = await applyMigrations(client, [set], { lockTimeoutMs: 60_000, statementTimeoutMs: 300 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationFailedError);
      const message = (failure as Error).message;
      expect(message).toContain(`${set.name}/0001_index.sql, statement 1 of 1 failed`);
      expect(message).toContain('it left the INVALID index st_held_v_idx (not dropped: ');
      expect(message).toContain('DROP INDEX CONCURRENTLY IF EXISTS st_held_v_idx');
      expect(await indexValid('st_held_v_idx')).toBe(false);
      const refused = await applyMigrations(client, [set]).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MigrationRefusedError);
      expect((refused as Error).message).toContain('it left the INVALID index st_held_v_idx');
    } finally {
      await blocker.release();
    }
    expect(await resolveIncomplete(client, set, '0001_index', 'retry')).toContain('resumed at statement 1 of 1; applied');
    expect(await indexValid('st_held_v_idx')).toBe(true);
  });
});

describe('a connection that drops mid-file', () => {
  const terminateRunner = async (sql: Sql, query: string) => {
    for (let i = 0; i < 400; i++) {
      const [row] = await sql`
        SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'rag-chat-db migrate' AND query LIKE ${query}`;
      if (row?.done) return;
      await sleep(10);
    }
    throw new Error(`no runner ran ${query}`);
  };

  test('between files: the session that held the lock is gone, so nothing more runs (postgres.js would reconnect without the lock)', async () => {
    const set = writeMigrationSet([
      { tag: '0000_table', up: 'CREATE TABLE lost_between (v int)', down: 'DROP TABLE lost_between' },
      { tag: '0001_more', up: 'CREATE TABLE lost_between_more (v int)', down: 'DROP TABLE lost_between_more' },
    ]);
    const own = await connectForMigrations(t.url);
    try {
      const [{ pid }] = (await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      await t.sql`SELECT pg_terminate_backend(${pid})`;
      for (let i = 0; i < 400 && (await t.sql`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`).length > 0; i++) await sleep(10);
      await own.query('SELECT 1').catch(() => {}); // the first query after the cut may fail on the dying socket either way
      const failure = await applyMigrations(own, [set]).catch((error: unknown) => error);
      expect(isConnectionLost(failure)).toBe(true); // the runner's own error, or the socket's, whichever came first
    } finally {
      await own.close();
    }
    expect(await exists('lost_between')).toBe(false);
  });

  test('in a transactional file: "not applied", and the next run applies it', async () => {
    const set = await tableSet('lost_tx');
    addMigration(set, { tag: '0001_slow', up: 'ALTER TABLE lost_tx ADD COLUMN w int\n--> statement-breakpoint\nSELECT pg_sleep(30)', down: 'ALTER TABLE lost_tx DROP COLUMN w' });
    const own = await connectForMigrations(t.url);
    try {
      const running = applyMigrations(own, [set]).catch((error: unknown) => error);
      await terminateRunner(t.sql, 'SELECT pg_sleep(30)%');
      const failure = await running;
      expect(failure).toBeInstanceOf(MigrationConnectionLostError);
      expect(failure).toMatchObject({ tag: '0001_slow', outcome: 'not-run' });
      expect((failure as Error).message).toMatch(new RegExp(`^lost the database connection during ${set.name}/0001_slow.sql: it was not applied`));
    } finally {
      await own.close();
    }
    expect((await readStates(client, [set]))[0]!.pending.map((file) => file.tag)).toEqual(['0001_slow']);
  });

  test('in a no-transaction file: "partly applied", and the next run refuses, naming the statement', async () => {
    const set = await tableSet('lost_nt');
    addMigration(set, {
      tag: '0001_slow',
      up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS lost_nt_v_idx ON lost_nt (v)\n--> statement-breakpoint\nSELECT pg_sleep(30)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS lost_nt_v_idx',
    });
    const own = await connectForMigrations(t.url);
    try {
      const running = applyMigrations(own, [set]).catch((error: unknown) => error);
      await terminateRunner(t.sql, 'SELECT pg_sleep(30)%');
      const failure = await running;
      expect(failure).toBeInstanceOf(MigrationConnectionLostError);
      expect(failure).toMatchObject({ tag: '0001_slow', outcome: 'partly-run' });
      expect((failure as Error).message).toContain(`${set.name}/0001_slow.sql: it was partly applied`);
    } finally {
      await own.close();
    }
    const refused = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationRefusedError);
    expect((refused as Error).message).toContain('0001_slow.sql was interrupted at statement 2 of 2');
  });
});
