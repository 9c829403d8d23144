/**
 * The CLI on a busy database: a migration blocked behind another
 * transaction's lock exits 5 after its retries (not 1: nothing is broken),
 * and a connection lost mid-file ends in one line naming the file and
 * whether it was applied.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { migrationLockKey } from '../../src/migrate/lock.ts';
import { cli } from '../support/cli.ts';
import { connect, createDatabase, databaseName, dropDatabase, type Sql } from '../support/databases.ts';
import { startTcpProxyTo } from '../support/tcp-proxy.ts';

const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

/** A database with auth and chat installed, not linked: `init --scope all` then runs link/0000, which reads `users`. */
async function unlinkedDatabase(): Promise<string> {
  const name = databaseName(inject('ownerPid'), 'cliops');
  created.push(name);
  const url = await createDatabase(adminUrl, name);
  expect((await cli(['init', '--scope', 'chat'], { env: { DATABASE_URL: url } })).code).toBe(0);
  expect((await cli(['init', '--scope', 'auth'], { env: { DATABASE_URL: url } })).code).toBe(0);
  return url;
}

/** A transaction holding ACCESS EXCLUSIVE on `users` until release(). */
async function lockUsers(sql: Sql) {
  const blocker = await sql.reserve();
  await blocker`BEGIN`;
  await blocker`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
  return async () => {
    await blocker`ROLLBACK`;
    blocker.release();
  };
}

describe('a migration blocked behind another transaction', () => {
  test('--lock-retries: tried again with backoff, then exit 5 (blocked), naming the attempts; nothing applied', async () => {
    const url = await unlinkedDatabase();
    const sql = connect(url, 2);
    const release = await lockUsers(sql);
    try {
      const result = await cli(['init', '--scope', 'all', '--lock-timeout', '100', '--lock-retries', '1'], { env: { DATABASE_URL: url } });
      expect(result.code).toBe(exitCodes.blocked);
      expect(result.stderr).toContain('link/0000_users_foreign_keys: lock_timeout behind another transaction; attempt 2 of 2');
      expect(result.stderr).toContain('link/0000_users_foreign_keys.sql, statement 1 of');
      expect(result.stderr).toContain('gave up after 2 attempts');
    } finally {
      await release();
    }
    const status = await cli(['status'], { env: { DATABASE_URL: url } });
    expect(status.stdout).toContain('pending: link/0000_users_foreign_keys');
    await sql.end();
  });

  test.each([['--lock-retries', 'x'], ['--statement-timeout', 'soon']])('%s %s: exit 2', async (flag, value) => {
    const result = await cli(['init', flag, value]);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toContain(`${flag} takes a number`);
  });
});

test('resolve takes one of --retry, --restart, --mark-applied and --mark-rolled-back', async () => {
  const result = await cli(['resolve', 'chat/0002_x', '--retry', '--restart']);
  expect(result.code).toBe(exitCodes.usage);
  expect(result.stderr).toContain('give one of --retry, --restart, --mark-applied and --mark-rolled-back');
});

test('the connection lost mid-file: one line, exit 4, naming the file and that it was not applied', async () => {
  const url = await unlinkedDatabase();
  const sql = connect(url, 2);
  const release = await lockUsers(sql);
  try {
    const running = cli(['init', '--scope', 'all', '--lock-timeout', '60000'], { env: { DATABASE_URL: url } });
    // Once the runner waits on the lock inside link/0000, its backend goes away (a Neon endpoint restarting, a network cut).
    let terminated = false;
    for (let i = 0; i < 500 && !terminated; i++) {
      const rows = await sql`
        SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'rag-chat-db migrate' AND wait_event_type = 'Lock'`;
      terminated = rows.some((row) => row.done);
      if (!terminated) await sleep(10);
    }
    expect(terminated).toBe(true);
    const result = await running;
    expect(result.code).toBe(exitCodes.unreachable);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^rag-chat-db: lost the database connection during link\/0000_users_foreign_keys\.sql: it was not applied \(its transaction was rolled back\); run the command again \(.+\)$/,
    );
  } finally {
    await release();
  }
  const again = await cli(['init', '--scope', 'all'], { env: { DATABASE_URL: url } });
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/applied\s+link\/0000_users_foreign_keys/);
  await sql.end();
});

test('the connection lost while waiting for the migration lock (no file running): one line, exit 4, saying nothing is half-done', async () => {
  const url = await unlinkedDatabase();
  const sql = connect(url, 2);
  const holder = await sql.reserve();
  await holder`SELECT pg_advisory_lock(${migrationLockKey}::bigint)`; // another deploy is migrating
  const proxy = await startTcpProxyTo(url);
  try {
    const running = cli(['init', '--scope', 'all'], { env: { DATABASE_URL: proxy.urlThrough(url) } });
    let polling = false;
    for (let i = 0; i < 500 && !polling; i++) {
      polling = (await sql`SELECT 1 FROM pg_stat_activity WHERE application_name = 'rag-chat-db migrate' AND query LIKE '%advisory%'`).length > 0;
      if (!polling) await sleep(10);
    }
    expect(polling).toBe(true);
    proxy.cutAll();
    const result = await running;
    expect(result.code).toBe(exitCodes.unreachable);
    expect(result.stderr.split('\n').at(-1)).toMatch(/^rag-chat-db: lost the database connection while no migration file was running, so none is half-done \(.+\)$/);
  } finally {
    await proxy.close();
    await holder`SELECT pg_advisory_unlock(${migrationLockKey}::bigint)`;
    holder.release();
    await sql.end();
  }
});
