/**
 * The runner on migration sets written for each test: atomic files, tamper
 * and order detection, lock_timeout, no-transaction files and their
 * failures, and rollback.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectForMigrations, type MigrationClient } from '../../src/migrate/client.ts';
import { MigrationFailedError, MigrationRefusedError, NoWayBackError } from '../../src/migrate/errors.ts';
import { applyMigrations, readStates, resolveIncomplete, rollbackMigrations } from '../../src/migrate/runner.ts';
import { useDatabase } from '../support/context.ts';
import { addMigration, writeMigrationSet } from '../support/migration-sets.ts';

const t = useDatabase({ modules: [] });
let client: MigrationClient;
beforeAll(async () => {
  client = await connectForMigrations(t.url);
});
afterAll(() => client.close());

const journalRows = async (table: string) =>
  (await t.sql`SELECT hash, created_at FROM drizzle.${t.sql(table)} ORDER BY created_at`).length;
const exists = async (name: string) => (await t.sql`SELECT to_regclass(${name}) IS NOT NULL AS e`)[0]!.e as boolean;

describe('applying', () => {
  test('a failing statement in file 2 of 3: file 1 stays applied, nothing of file 2 persists, file 3 does not run', async () => {
    const set = writeMigrationSet([
      { tag: '0000_one', up: 'CREATE TABLE fail_one (id int)', down: 'DROP TABLE fail_one' },
      {
        tag: '0001_two',
        up: 'CREATE TABLE fail_two (id int)\n--> statement-breakpoint\nINSERT INTO fail_two VALUES (1)\n--> statement-breakpoint\nSELECT 1/0',
        down: 'DROP TABLE fail_two',
      },
      { tag: '0002_three', up: 'CREATE TABLE fail_three (id int)', down: 'DROP TABLE fail_three' },
    ]);

    const failure = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect(failure).toMatchObject({ tag: '0001_two', statementIndex: 3, statementCount: 3, sqlState: '22012' });
    expect((failure as Error).message).toContain('statement 3 of 3');

    expect(await exists('fail_one')).toBe(true);
    expect(await exists('fail_two')).toBe(false);
    expect(await exists('fail_three')).toBe(false);
    expect(await journalRows(set.migrationsTable)).toBe(1);
  });

  test('running again applies nothing', async () => {
    const set = writeMigrationSet([{ tag: '0000_once', up: 'CREATE TABLE once_only (id int)', down: 'DROP TABLE once_only' }]);
    expect((await applyMigrations(client, [set])).map((step) => step.tag)).toEqual(['0000_once']);
    expect(await applyMigrations(client, [set])).toEqual([]);
    expect(await journalRows(set.migrationsTable)).toBe(1);
  });

  test('a busy table: the migration fails with lock_timeout instead of waiting, and succeeds once the table is free', async () => {
    const set = writeMigrationSet([{ tag: '0000_busy', up: 'CREATE TABLE busy (id int)', down: 'DROP TABLE busy' }]);
    await applyMigrations(client, [set]);
    addMigration(set, { tag: '0001_alter', up: 'ALTER TABLE busy ADD COLUMN note text', down: 'ALTER TABLE busy DROP COLUMN note' });

    const blocker = await t.sql.reserve();
    try {
      await blocker`BEGIN`;
      await blocker`SELECT * FROM busy`; // holds ACCESS SHARE until the transaction ends
      const failure = await applyMigrations(client, [set], { lockTimeoutMs: 200, lockRetries: 0 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationFailedError);
      expect((failure as MigrationFailedError).sqlState).toBe('55P03'); // lock_not_available
    } finally {
      await blocker`ROLLBACK`;
      blocker.release();
    }
    expect((await applyMigrations(client, [set], { lockTimeoutMs: 200 })).map((step) => step.tag)).toEqual(['0001_alter']);
  });
});

describe('refusing before any SQL runs', () => {
  test('one byte flipped in an applied file', async () => {
    const set = writeMigrationSet([{ tag: '0000_a', up: 'CREATE TABLE tamper_a (id int)', down: 'DROP TABLE tamper_a' }]);
    await applyMigrations(client, [set]);
    addMigration(set, { tag: '0001_b', up: 'CREATE TABLE tamper_b (id int)', down: 'DROP TABLE tamper_b' });
    const path = join(set.folder, '0000_a.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace('tamper_a', 'tamper_A'));

    const failure = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationRefusedError);
    expect((failure as Error).message).toContain(`${set.name}/0000_a.sql changed after it was applied`);
    expect(await exists('tamper_b')).toBe(false);
  });

  test('but not a change of line endings', async () => {
    const set = writeMigrationSet([
      { tag: '0000_crlf', up: 'CREATE TABLE crlf (id int)\n--> statement-breakpoint\nCREATE INDEX crlf_idx ON crlf (id)\n', down: 'DROP TABLE crlf' },
    ]);
    await applyMigrations(client, [set]);
    const path = join(set.folder, '0000_crlf.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
    expect(await applyMigrations(client, [set])).toEqual([]);
  });

  test('an applied migration whose file is gone', async () => {
    const set = writeMigrationSet([
      { tag: '0000_kept', up: 'CREATE TABLE gone_a (id int)', down: 'DROP TABLE gone_a' },
      { tag: '0001_lost', up: 'CREATE TABLE gone_b (id int)', down: 'DROP TABLE gone_b' },
    ]);
    await applyMigrations(client, [set]);
    const journalPath = join(set.folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries.pop();
    writeFileSync(journalPath, JSON.stringify(journal));
    rmSync(join(set.folder, '0001_lost.sql'));

    await expect(applyMigrations(client, [set])).rejects.toThrow(/records a migration .* that is not in/);
  });

  test('a new file that sorts before the newest applied one', async () => {
    const set = writeMigrationSet([{ tag: '0000_first', up: 'CREATE TABLE order_a (id int)', down: 'DROP TABLE order_a' }]);
    await applyMigrations(client, [set]);
    addMigration(set, { tag: '0001_late', up: 'CREATE TABLE order_b (id int)', down: 'DROP TABLE order_b' }, 1_600_000_000_000);

    await expect(applyMigrations(client, [set])).rejects.toThrow(`${set.name}/0001_late.sql is not applied but sorts before`);
    expect(await exists('order_b')).toBe(false);
  });
});

describe('no-transaction files', () => {
  const concurrently = (table: string) => ({
    tag: '0001_index',
    up: `-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ${table}_v_idx ON ${table} (v)`,
    down: `-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS ${table}_v_idx`,
  });

  test('CREATE INDEX CONCURRENTLY applies and rolls back', async () => {
    const set = writeMigrationSet([{ tag: '0000_table', up: 'CREATE TABLE cic (v int)', down: 'DROP TABLE cic' }, concurrently('cic')]);
    await applyMigrations(client, [set]);
    const [index] = await t.sql`SELECT indisvalid FROM pg_index WHERE indexrelid = 'cic_v_idx'::regclass`;
    expect(index!.indisvalid).toBe(true);

    await rollbackMigrations(client, set, { steps: 1 });
    expect(await exists('cic_v_idx')).toBe(false);
    expect(await journalRows(set.migrationsTable)).toBe(1);
  });

  test('a failure part-way is recorded, its INVALID index dropped, further runs refused until resolved', async () => {
    const set = writeMigrationSet([{ tag: '0000_table', up: 'CREATE TABLE cic_dup (v int)', down: 'DROP TABLE cic_dup' }]);
    await applyMigrations(client, [set]);
    await t.sql`INSERT INTO cic_dup VALUES (1), (1)`;
    addMigration(set, {
      tag: '0001_unique',
      up:
        '-- rag-chat-db: no-transaction\nCREATE TABLE IF NOT EXISTS cic_side (id int)\n--> statement-breakpoint\n' +
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS cic_dup_v_key ON cic_dup (v)',
      down: '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS cic_dup_v_key',
    });

    const failure = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ tag: '0001_unique', statementIndex: 2, noTransaction: true, sqlState: '23505' });
    expect(await exists('cic_side')).toBe(true); // statement 1 ran and stays
    expect(await exists('cic_dup_v_key')).toBe(false); // the INVALID index was dropped

    const [state] = await readStates(client, [set]);
    expect(state!.incomplete).toMatchObject([{ tag: '0001_unique', status: 'failed', statementIndex: 2, statementCount: 2 }]);
    const refused = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationRefusedError);
    expect((refused as Error).message).toContain(`rag-chat-db resolve ${set.name}/0001_unique --retry`);

    await t.sql`DELETE FROM cic_dup`;
    expect(await resolveIncomplete(client, set, '0001_unique', 'retry')).toContain('resumed at statement 2 of 2; applied');
    expect(await applyMigrations(client, [set])).toEqual([]);
    const [index] = await t.sql`SELECT indisvalid FROM pg_index WHERE indexrelid = 'cic_dup_v_key'::regclass`;
    expect(index!.indisvalid).toBe(true);
    expect((await readStates(client, [set]))[0]!.incomplete).toEqual([]);
  });

  test('resolve --retry resumes at the failed statement: the ones before it are not run again', async () => {
    const set = writeMigrationSet([{ tag: '0000_table', up: 'CREATE TABLE resumed (v int)', down: 'DROP TABLE resumed' }]);
    await applyMigrations(client, [set]);
    addMigration(set, {
      tag: '0001_fill',
      up: '-- rag-chat-db: no-transaction\nINSERT INTO resumed VALUES (1)\n--> statement-breakpoint\nSELECT 1/0\n--> statement-breakpoint\nINSERT INTO resumed VALUES (3)',
      down: '-- rag-chat-db: no-transaction\nDELETE FROM resumed',
    });
    await expect(applyMigrations(client, [set])).rejects.toMatchObject({ statementIndex: 2 });
    const path = join(set.folder, '0001_fill.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace('SELECT 1/0', 'SELECT 2')); // the cause fixed in place

    expect(await resolveIncomplete(client, set, '0001_fill', 'retry')).toBe(`${set.name}/0001_fill: resumed at statement 2 of 3; applied.`);
    expect((await t.sql`SELECT v FROM resumed ORDER BY v`).map((row) => row.v)).toEqual([1, 3]); // statement 1 ran once
    const [state] = await readStates(client, [set]);
    expect(state!.applied.map((entry) => entry.file.tag)).toEqual(['0000_table', '0001_fill']);
    expect(state!.incomplete).toEqual([]);
  });

  test('resolve --retry is refused when the file has another number of statements; --restart runs it from the top on the next run', async () => {
    const set = writeMigrationSet([{ tag: '0000_table', up: 'CREATE TABLE restarted (v int)', down: 'DROP TABLE restarted' }]);
    await applyMigrations(client, [set]);
    addMigration(set, {
      tag: '0001_fill',
      up: '-- rag-chat-db: no-transaction\nINSERT INTO restarted VALUES (1)\n--> statement-breakpoint\nSELECT 1/0',
      down: '-- rag-chat-db: no-transaction\nDELETE FROM restarted',
    });
    await expect(applyMigrations(client, [set])).rejects.toMatchObject({ statementIndex: 2 });
    writeFileSync(join(set.folder, '0001_fill.sql'), '-- rag-chat-db: no-transaction\nDELETE FROM restarted\n--> statement-breakpoint\nINSERT INTO restarted VALUES (1)\n--> statement-breakpoint\nSELECT 2');

    const refused = await resolveIncomplete(client, set, '0001_fill', 'retry').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationRefusedError);
    expect((refused as Error).message).toContain('0001_fill.sql now has 3 statements, not the 2 it had when statement 2 failed');
    expect(await resolveIncomplete(client, set, '0001_fill', 'restart')).toContain('the next run applies it again from its first statement');
    expect((await applyMigrations(client, [set])).map((step) => step.tag)).toEqual(['0001_fill']);
    expect((await t.sql`SELECT v FROM restarted`).map((row) => row.v)).toEqual([1]);
  });

  test('resolve --mark-applied records a file finished by hand', async () => {
    const set = writeMigrationSet([
      { tag: '0000_table', up: 'CREATE TABLE by_hand (v int)', down: 'DROP TABLE by_hand' },
      { tag: '0001_fails', up: '-- rag-chat-db: no-transaction\nSELECT 1/0', down: '-- rag-chat-db: no-transaction\nSELECT 1' },
    ]);
    await expect(applyMigrations(client, [set])).rejects.toBeInstanceOf(MigrationFailedError);
    await resolveIncomplete(client, set, '0001_fails', 'mark-applied');
    const [state] = await readStates(client, [set]);
    expect(state!.applied.map((entry) => entry.file.tag)).toEqual(['0000_table', '0001_fails']);
    expect(state!.incomplete).toEqual([]);
  });
});

describe('rolling back', () => {
  const three = () =>
    writeMigrationSet([
      { tag: '0000_a', up: 'CREATE TABLE rb_a (id int)', down: 'DROP TABLE rb_a' },
      { tag: '0001_b', up: 'CREATE TABLE rb_b (id int)', down: 'DROP TABLE rb_b' },
      { tag: '0002_c', up: 'CREATE TABLE rb_c (id int)', down: 'DROP TABLE rb_c' },
    ]);

  test('newest first: --steps, --to (which stays applied), --all', async () => {
    const set = three();
    await applyMigrations(client, [set]);
    expect((await rollbackMigrations(client, set, { steps: 1 })).map((s) => s.tag)).toEqual(['0002_c']);
    await applyMigrations(client, [set]);
    expect((await rollbackMigrations(client, set, { to: '0000_a' })).map((s) => s.tag)).toEqual(['0002_c', '0001_b']);
    expect(await exists('rb_a')).toBe(true);
    expect(await exists('rb_b')).toBe(false);
    expect((await rollbackMigrations(client, set, { all: true })).map((s) => s.tag)).toEqual(['0000_a']);
    expect(await journalRows(set.migrationsTable)).toBe(0);
  });

  test('a migration without a down file, or with a draft one, is refused before anything runs', async () => {
    const set = writeMigrationSet([
      { tag: '0000_a', up: 'CREATE TABLE nodown_a (id int)', down: 'DROP TABLE nodown_a' },
      { tag: '0001_b', up: 'CREATE TABLE nodown_b (id int)', down: 'DROP TABLE nodown_b' },
      { tag: '0002_c', up: 'CREATE TABLE nodown_c (id int)', down: 'DROP TABLE nodown_c' },
    ]);
    await applyMigrations(client, [set]);
    // Applied with their down files, which then go missing or become drafts.
    rmSync(join(set.folder, '0001_b.down.sql'));
    writeFileSync(join(set.folder, '0002_c.down.sql'), '-- rag-chat-db: draft\nDROP TABLE nodown_c');
    const failure = await rollbackMigrations(client, set, { all: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationRefusedError);
    expect((failure as MigrationRefusedError).problems).toEqual([
      expect.stringContaining('0002_c.down.sql is still a draft'),
      expect.stringContaining(`${set.name}/0001_b has no down file`),
    ]);
    expect(await exists('nodown_c')).toBe(true);
  });

  test('a failing down file leaves the migration applied', async () => {
    const set = writeMigrationSet([{ tag: '0000_a', up: 'CREATE TABLE downfail (id int)', down: 'DROP TABLE downfail\n--> statement-breakpoint\nSELECT 1/0' }]);
    await applyMigrations(client, [set]);
    await expect(rollbackMigrations(client, set, { steps: 1 })).rejects.toMatchObject({ direction: 'down', statementIndex: 2 });
    expect(await exists('downfail')).toBe(true);
    expect(await journalRows(set.migrationsTable)).toBe(1);
  });
});

describe('no migration without a way back', () => {
  test('a file with no down file, or a draft one, is refused before anything of the run is applied', async () => {
    const set = writeMigrationSet([
      { tag: '0000_fine', up: 'CREATE TABLE wayback_a (id int)', down: 'DROP TABLE wayback_a' },
      { tag: '0001_nodown', up: 'CREATE TABLE wayback_b (id int)' },
      { tag: '0002_draft', up: 'CREATE TABLE wayback_c (id int)', down: '-- rag-chat-db: draft\nDROP TABLE wayback_c' },
    ]);
    const failure = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NoWayBackError);
    expect(failure).toBeInstanceOf(MigrationRefusedError);
    expect(failure).toMatchObject({ code: 'MIGRATION_NO_WAY_BACK', files: [`${set.name}/0001_nodown`, `${set.name}/0002_draft`] });
    const [missing, draft] = (failure as NoWayBackError).problems;
    expect(missing).toContain(`${set.name}/0001_nodown has no down file: write ${join(set.folder, '0001_nodown.down.sql')}`);
    expect(missing).toContain('-- rag-chat-db: irreversible <why>');
    expect(draft).toContain(`${join(set.folder, '0002_draft.down.sql')} is still a draft`);
    expect(await exists('wayback_a')).toBe(false);
    expect(await journalRows(set.migrationsTable)).toBe(0);
  });

  test('only the files of this run count: --steps stops before the file without a down file', async () => {
    const set = writeMigrationSet([
      { tag: '0000_fine', up: 'CREATE TABLE wayback_steps (id int)', down: 'DROP TABLE wayback_steps' },
      { tag: '0001_nodown', up: 'SELECT 1' },
    ]);
    expect((await applyMigrations(client, [set], { maxSteps: 1 })).map((step) => step.tag)).toEqual(['0000_fine']);
    await expect(applyMigrations(client, [set])).rejects.toBeInstanceOf(NoWayBackError);
  });

  test('a file declared irreversible with a reason applies; rollback refuses it, quoting the reason', async () => {
    const set = writeMigrationSet([
      { tag: '0000_table', up: 'CREATE TABLE wayback_ir (id int)', down: 'DROP TABLE wayback_ir' },
      { tag: '0001_purge', up: '-- Purge the test rows.\n-- rag-chat-db: irreversible deleted rows cannot be brought back\nDELETE FROM wayback_ir' },
    ]);
    expect((await applyMigrations(client, [set])).map((step) => step.tag)).toEqual(['0000_table', '0001_purge']);
    const failure = await rollbackMigrations(client, set, { steps: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationRefusedError);
    expect((failure as Error).message).toContain('it declares itself irreversible (deleted rows cannot be brought back)');
  });

  test('an irreversible declaration without a reason is refused', async () => {
    const set = writeMigrationSet([{ tag: '0000_purge', up: '-- rag-chat-db: irreversible\nSELECT 1' }]);
    const failure = await applyMigrations(client, [set]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NoWayBackError);
    expect((failure as Error).message).toContain(`${set.name}/0000_purge.sql declares itself irreversible without saying why`);
  });
});
