/**
 * Several deploys migrating at once, as separate processes: exactly one
 * applies, the others wait for the lock, then find nothing to do.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, inject, test } from 'vitest';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { MigrationRefusedError } from '../../src/migrate/errors.ts';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { modules, scopes } from '../../src/migrate/modules.ts';
import { applyMigrations, resolveIncomplete } from '../../src/migrate/runner.ts';
import { catalogOf, connect, urlOf, withEmptyDatabase as withEmptyDatabaseOf } from '../support/databases.ts';
import { writeMigrationSet } from '../support/migration-sets.ts';

const run = promisify(execFile);
const bin = join(packageRoot, 'dist', 'bin.js');
const adminUrl = inject('adminUrl');

const withEmptyDatabase = (fn: (url: string) => Promise<void>) => withEmptyDatabaseOf(adminUrl, inject('ownerPid'), fn);

describe.each([2, 5])('%i `init --scope all` processes at once', (count) => {
  test('one applies, the others wait and apply nothing; one journal row per file; the schema of a single run', { timeout: 60_000 }, async () => {
    await withEmptyDatabase(async (url) => {
      const runs = await Promise.all(
        Array.from({ length: count }, () =>
          run(process.execPath, [bin, 'init', '--scope', 'all'], { env: { ...process.env, DATABASE_URL: url } }),
        ),
      );
      const outputs = runs.map((result) => result.stdout);
      const shipped = scopes.all.flatMap((name) => readMigrations(name)).length;
      expect(outputs.filter((out) => out.includes(`applied ${shipped} migrations`))).toHaveLength(1);
      expect(outputs.filter((out) => out.includes('up to date: nothing to apply'))).toHaveLength(count - 1);

      const sql = connect(url, 1);
      try {
        for (const name of scopes.all) {
          const rows = await sql`SELECT count(*)::int AS n FROM drizzle.${sql(modules[name].migrationsTable)}`;
          expect(rows[0]!.n, name).toBe(readMigrations(name).length);
        }
      } finally {
        await sql.end();
      }
      expect(await catalogOf(url)).toEqual(await catalogOf(urlOf(adminUrl, inject('templateDatabase'))));
    });
  });
});

test('five processes on a CREATE INDEX CONCURRENTLY migration: no deadlock, one run, a valid index', { timeout: 60_000 }, async () => {
  const set = writeMigrationSet([
    {
      tag: '0000_table',
      // The sleep keeps the first runner busy so the others are surely polling the lock while the index builds.
      up: 'CREATE TABLE raced (v int)\n--> statement-breakpoint\nINSERT INTO raced SELECT generate_series(1, 10000)\n--> statement-breakpoint\nSELECT pg_sleep(0.3)',
      down: 'DROP TABLE raced',
    },
    {
      tag: '0001_index',
      up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS raced_v_idx ON raced (v)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS raced_v_idx',
    },
  ]);
  await withEmptyDatabase(async (url) => {
    const script = join(packageRoot, 'test', 'support', 'migrate-process.mjs');
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => run(process.execPath, [script, url, JSON.stringify(set)], { timeout: 50_000 })),
    );
    const applied = runs.map((result) => JSON.parse(result.stdout) as string[]);
    expect(applied.filter((tags) => tags.length > 0)).toEqual([['0000_table', '0001_index']]);

    const sql = connect(url, 1);
    try {
      const [index] = await sql`SELECT indisvalid FROM pg_index WHERE indexrelid = 'raced_v_idx'::regclass`;
      expect(index!.indisvalid).toBe(true);
      const [rows] = await sql`SELECT count(*)::int AS n FROM drizzle.${sql(set.migrationsTable)}`;
      expect(rows!.n).toBe(2);
    } finally {
      await sql.end();
    }
  });
});

test('a runner killed inside a no-transaction file: the next run refuses, naming the statement, until resolved', { timeout: 60_000 }, async () => {
  const set = writeMigrationSet([
    { tag: '0000_table', up: 'CREATE TABLE killed (v int)', down: 'DROP TABLE killed' },
    {
      tag: '0001_slow',
      up: '-- rag-chat-db: no-transaction\nSELECT pg_sleep(1)\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS killed_v_idx ON killed (v)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS killed_v_idx',
    },
  ]);
  await withEmptyDatabase(async (url) => {
    const script = join(packageRoot, 'test', 'support', 'migrate-process.mjs');
    const child = spawn(process.execPath, [script, url, JSON.stringify(set)], { stdio: 'ignore' });
    const sql = connect(url, 1);
    try {
      // Wait until it is inside the slow statement, then kill it without warning.
      for (let i = 0; i < 200; i++) {
        const rows = await sql`SELECT statement_index FROM drizzle.rag_chat_db_incomplete WHERE tag = '0001_slow'`.catch(() => []);
        if (rows[0]?.statement_index === 1) break;
        await sleep(25);
      }
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const client = await connectForMigrations(url);
      try {
        const refused = await applyMigrations(client, [set]).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(MigrationRefusedError);
        expect((refused as Error).message).toContain('0001_slow.sql was interrupted at statement 1 of 2');
        expect(await resolveIncomplete(client, set, '0001_slow', 'retry')).toContain('resumed at statement 1 of 2; applied');
        expect(await applyMigrations(client, [set])).toEqual([]);
      } finally {
        await client.close();
      }
      const [index] = await sql`SELECT indisvalid FROM pg_index WHERE indexrelid = 'killed_v_idx'::regclass`;
      expect(index!.indisvalid).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await sql.end();
    }
  });
});

test('a runner killed inside a transactional file: the database stays at the previous version, and the next run applies the file', { timeout: 60_000 }, async () => {
  const set = writeMigrationSet([
    { tag: '0000_table', up: 'CREATE TABLE killed_tx (v int)', down: 'DROP TABLE killed_tx' },
    {
      tag: '0001_slow',
      up: 'ALTER TABLE killed_tx ADD COLUMN w int\n--> statement-breakpoint\nSELECT pg_sleep(2)\n--> statement-breakpoint\nCREATE INDEX killed_tx_w_idx ON killed_tx (w)',
      down: 'DROP INDEX killed_tx_w_idx\n--> statement-breakpoint\nALTER TABLE killed_tx DROP COLUMN w',
    },
  ]);
  await withEmptyDatabase(async (url) => {
    const script = join(packageRoot, 'test', 'support', 'migrate-process.mjs');
    const child = spawn(process.execPath, [script, url, JSON.stringify(set)], { stdio: 'ignore' });
    const sql = connect(url, 1);
    try {
      // Kill it while it sleeps inside 0001's transaction, after the ALTER TABLE ran.
      for (let i = 0; i < 400; i++) {
        const rows = await sql`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(2)%'`;
        if (rows.length > 0) break;
        await sleep(10);
      }
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // Postgres rolls the transaction back once it notices the client is gone (at the latest when the sleep ends).
      for (let i = 0; i < 400; i++) {
        const rows = await sql`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(2)%'`;
        if (rows.length === 0) break;
        await sleep(10);
      }
      const [column] = await sql`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'killed_tx' AND column_name = 'w'`;
      expect(column!.n).toBe(0);
      const applied = await sql`SELECT created_at FROM drizzle.${sql(set.migrationsTable)}`;
      expect(applied).toHaveLength(1);

      const client = await connectForMigrations(url);
      try {
        expect((await applyMigrations(client, [set])).map((step) => step.tag)).toEqual(['0001_slow']);
      } finally {
        await client.close();
      }
    } finally {
      child.kill('SIGKILL');
      await sql.end();
    }
  });
});
