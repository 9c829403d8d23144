/**
 * verify on migration sets written for each test: data-only migrations are
 * accepted, down files must leave the rows they did not add, and files
 * declared irreversible stop the rollback without failing it. Each test has
 * a database of its own, as verify needs one with nothing pending but its set.
 */
import { afterAll, describe, expect, inject, test } from 'vitest';
import { connectForMigrations } from '../../src/migrate/client.ts';
import { NoWayBackError } from '../../src/migrate/errors.ts';
import { type VerifyReport, verifyMigrations } from '../../src/migrate/verify.ts';
import { connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';
import { type FixtureFile, writeMigrationSet } from '../support/migration-sets.ts';

const adminUrl = inject('adminUrl');
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(adminUrl, name);
});

async function verify(files: FixtureFile[], before?: (sql: ReturnType<typeof connect>) => Promise<unknown>) {
  const name = databaseName(inject('ownerPid'), 'verify');
  created.push(name);
  const url = await createDatabase(adminUrl, name);
  const sql = connect(url, 1);
  const client = await connectForMigrations(url);
  try {
    await before?.(sql);
    const report = await verifyMigrations(client, [writeMigrationSet(files)]);
    return { report, sql };
  } finally {
    await client.close();
  }
}

const step = (report: VerifyReport, label: string) => report.steps.find((candidate) => candidate.label.endsWith(label));

const accounts = { tag: '0000_accounts', up: 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text)', down: 'DROP TABLE accounts' };
const addTimezone = {
  tag: '0001_add_timezone',
  up: 'ALTER TABLE accounts ADD COLUMN timezone text',
  down: 'ALTER TABLE accounts DROP COLUMN timezone',
};

describe('data-only migrations', () => {
  test('a backfill between "add column" and "set not null" is accepted, and noted', async () => {
    const { report, sql } = await verify([
      accounts,
      addTimezone,
      {
        tag: '0002_backfill_timezone',
        up: "UPDATE accounts SET timezone = 'UTC' WHERE timezone IS NULL",
        down: 'SELECT 1 -- the backfilled values stay: they are valid either way',
      },
      {
        tag: '0003_timezone_not_null',
        up: 'ALTER TABLE accounts ALTER COLUMN timezone SET NOT NULL',
        down: 'ALTER TABLE accounts ALTER COLUMN timezone DROP NOT NULL',
      },
    ]);
    try {
      expect(report.steps.filter((candidate) => candidate.difference.length > 0)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(step(report, '/0002_backfill_timezone')).toEqual({
        label: expect.stringMatching(/^apply /),
        difference: [],
        notes: ['data only: the schema is unchanged'],
      });
      // The rows checks ran (a probe row in accounts), and left no row behind.
      expect(step(report, '0001_add_timezone up and down')).toEqual({ label: expect.any(String), difference: [] });
      expect(await sql`SELECT * FROM accounts`).toHaveLength(0);
    } finally {
      await sql.end();
    }
  });

  test('values a data-only file changed, and its down file leaves, are noted, not failed', async () => {
    const { report, sql } = await verify([
      accounts,
      { tag: '0001_mark_emails', up: "UPDATE accounts SET email = email || ' (checked)'", down: 'SELECT 1 -- the marks stay' },
    ]);
    await sql.end();
    expect(report.ok).toBe(true);
    expect(step(report, '0001_mark_emails up and down')).toMatchObject({
      difference: [],
      notes: ['accounts: the row (1,verify) reads (1,"verify (checked)") after up and down'],
    });
  });
});

describe('down files and rows', () => {
  test('a down file that deletes rows it did not add fails, although the schema matches', async () => {
    const { report, sql } = await verify([
      accounts,
      { ...addTimezone, down: 'DELETE FROM accounts\n--> statement-breakpoint\nALTER TABLE accounts DROP COLUMN timezone' },
    ]);
    await sql.end();
    expect(report.ok).toBe(false);
    expect(report.steps.filter((candidate) => candidate.label.startsWith('roll back')).every((candidate) => candidate.difference.length === 0)).toBe(true);
    expect(step(report, '0001_add_timezone up and down')!.difference).toEqual([
      '- accounts: 1 row(s) before up, 0 after up and down',
      expect.stringMatching(/^- accounts: the row \(1,verify\) is gone after up and down$/),
    ]);
  });

  test('a column dropped by up and added back by down restores the schema, not the values: a difference', async () => {
    const { report, sql } = await verify([
      accounts,
      { tag: '0001_drop_email', up: 'ALTER TABLE accounts DROP COLUMN email', down: 'ALTER TABLE accounts ADD COLUMN email text' },
    ]);
    await sql.end();
    expect(report.ok).toBe(false);
    expect(step(report, '0001_drop_email up and down')!.difference).toEqual(['- accounts: the row (1,verify) reads (1,) after up and down']);
  });

  test('rows already in the database before verify must survive too', async () => {
    const { report, sql } = await verify(
      [{ tag: '0000_purge', up: 'ALTER TABLE legacy ADD COLUMN flag boolean', down: "DELETE FROM legacy WHERE note = 'old'\n--> statement-breakpoint\nALTER TABLE legacy DROP COLUMN flag" }],
      // A table no probe row can enter (a check no plain value meets), holding rows of its own.
      (sql) => sql`CREATE TABLE legacy (note text CHECK (note IN ('old', 'new'))); INSERT INTO legacy VALUES ('old'), ('new')`.simple(),
    );
    await sql.end();
    expect(report.ok).toBe(false);
    const rollback = report.steps.find((candidate) => candidate.label.startsWith('roll back'));
    expect(rollback!.difference).toEqual(['- legacy: 2 row(s) before up, 1 after up and down']);
  });

  test('when no row can be put in the tables a file touches, that is noted, not failed', async () => {
    const { report, sql } = await verify(
      [{ tag: '0000_note', up: 'ALTER TABLE strict ADD COLUMN n int', down: 'ALTER TABLE strict DROP COLUMN n' }],
      (sql) => sql`CREATE TABLE strict (v text NOT NULL CHECK (v = 'exactly this'))`,
    );
    await sql.end();
    expect(report.ok).toBe(true);
    expect(step(report, '0000_note up and down')!.notes).toEqual([expect.stringContaining('rows not checked: no row could be put in strict')]);
  });
});

describe('probe rows', () => {
  test('are deleted one by one: a row equal to a probe, in a table without a primary key, stays', async () => {
    const { report, sql } = await verify(
      [{ tag: '0000_flags', up: 'ALTER TABLE flags ADD COLUMN note text', down: 'ALTER TABLE flags DROP COLUMN note' }],
      (sql) => sql`CREATE TABLE flags (on_off boolean); INSERT INTO flags VALUES (false)`.simple(),
    );
    try {
      expect(report.ok).toBe(true);
      expect(step(report, '0000_flags up and down')).toEqual({ label: expect.any(String), difference: [] });
      expect(await sql`SELECT on_off FROM flags`).toEqual([{ on_off: false }]);
    } finally {
      await sql.end();
    }
  });
});

describe('irreversible files', () => {
  test('a file with no down file, not declared irreversible, is refused before the first file is applied', async () => {
    const name = databaseName(inject('ownerPid'), 'verify');
    created.push(name);
    const url = await createDatabase(adminUrl, name);
    const client = await connectForMigrations(url);
    try {
      const set = writeMigrationSet([accounts, { tag: '0001_purge', up: 'DELETE FROM accounts' }]);
      await expect(verifyMigrations(client, [set])).rejects.toBeInstanceOf(NoWayBackError);
      expect((await client.query<{ t: string | null }>(`SELECT to_regclass('accounts')::text AS t`))[0]!.t).toBeNull();
    } finally {
      await client.close();
    }
  });


  test('verify rolls back only the files after the newest irreversible one', async () => {
    const { report, sql } = await verify([
      accounts,
      { tag: '0001_purge', up: '-- rag-chat-db: irreversible test accounts are deleted for good\nDELETE FROM accounts WHERE id < 0' },
      addTimezone,
    ]);
    await sql.end();
    expect(report.ok).toBe(true);
    expect(report.steps.map((candidate) => candidate.label.replace(/fx_\w+\//, ''))).toEqual([
      'apply 0000_accounts',
      'apply 0001_purge',
      'apply 0001_add_timezone',
      'keep 0001_purge',
      'roll back 0001_add_timezone',
      'rows through 0001_add_timezone up and down',
      'apply 0001_add_timezone again',
    ]);
    expect(step(report, '/0001_purge')).toBeDefined();
    expect(report.steps.find((candidate) => candidate.label.startsWith('keep'))!.notes).toEqual([
      'irreversible (test accounts are deleted for good): it and the files before it are not rolled back',
    ]);
  });
});
