/**
 * lint on migration sets written for each test: a down file may drop what
 * its own up file added, nothing else; per-file ignores need a reason; a
 * file without a way back is reported unless it declares itself irreversible.
 */
import { describe, expect, test } from 'vitest';
import { lintIgnores, lintSource } from '../../src/migrate/lint.ts';
import { fileAdds, objectsDropped, sqlStatements, tablesTouched } from '../../src/migrate/sql-objects.ts';
import { writeMigrationSet } from '../support/migration-sets.ts';

const lint = async (files: Parameters<typeof writeMigrationSet>[0]) => {
  const set = writeMigrationSet(files);
  return (await lintSource(set, set.folder)).map((finding) => `${finding.file}:${finding.line}: ${finding.rule}`);
};

// The README's walkthrough, as `new` writes it once the draft line is deleted.
const timezone = {
  tag: '0001_add_user_timezone_preference',
  up: 'ALTER TABLE "users" ADD COLUMN "timezone" text;',
  down:
    "-- Drafted by reversing drizzle-kit's schema diff. Check it: drops lose data, CASCADE may reach further than\n" +
    '-- you want, and data migrations are not reversed.\nALTER TABLE "users" DROP COLUMN "timezone";\n',
};

describe('a down file dropping what its up file added', () => {
  test('"add user timezone preference" passes', { timeout: 30_000 }, async () => {
    expect(await lint([timezone])).toEqual([]);
  });

  test('a column the up file did not add is still banned', { timeout: 30_000 }, async () => {
    const findings = await lint([{ ...timezone, down: 'ALTER TABLE "users" DROP COLUMN "display_name";' }]);
    expect(findings).toEqual(['0001_add_user_timezone_preference.down.sql:1: ban-drop-column']);
  });

  test('of two columns dropped in one statement, only the one not added is reported', { timeout: 30_000 }, async () => {
    const findings = await lint([{ ...timezone, down: 'ALTER TABLE users DROP COLUMN timezone, DROP COLUMN display_name;' }]);
    expect(findings).toEqual(['0001_add_user_timezone_preference.down.sql:1: ban-drop-column']);
  });

  test('tables, indexes, NOT NULLs and constraints it created may go; other tables may not', { timeout: 30_000 }, async () => {
    const findings = await lint([
      {
        tag: '0000_widgets',
        up:
          '-- rag-chat-db-lint-ignore adding-not-nullable-field: widgets is created empty above\n' +
          'CREATE TABLE widgets (id bigint PRIMARY KEY, name text);\n--> statement-breakpoint\n' +
          'CREATE INDEX widgets_name_idx ON widgets (name);\n--> statement-breakpoint\n' +
          'ALTER TABLE widgets ALTER COLUMN name SET NOT NULL;',
        down:
          'ALTER TABLE widgets ALTER COLUMN name DROP NOT NULL;\n--> statement-breakpoint\n' +
          'DROP INDEX widgets_name_idx;\n--> statement-breakpoint\n' +
          'ALTER TABLE widgets DROP CONSTRAINT widgets_pkey;\n--> statement-breakpoint\n' +
          'DROP TABLE "public"."widgets";\n--> statement-breakpoint\n' +
          'DROP TABLE gadgets;',
      },
    ]);
    expect(findings).toEqual(['0000_widgets.down.sql:9: ban-drop-table']);
  });

  test('an index built CONCURRENTLY must be dropped CONCURRENTLY', { timeout: 30_000 }, async () => {
    const findings = await lint([
      {
        tag: '0000_index',
        up: '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);',
        down: 'DROP INDEX users_email_idx;',
      },
    ]);
    expect(findings).toEqual(['0000_index.down.sql:1: require-concurrent-index-deletion']);
  });
});

describe('per-file ignores', () => {
  test('an ignore with a reason silences its rule in its file', { timeout: 30_000 }, async () => {
    const down = '-- rag-chat-db-lint-ignore ban-drop-column: display_name moved to user_profiles in 0000, nothing reads it\nALTER TABLE users DROP COLUMN display_name;';
    expect(await lint([{ ...timezone, down: `${down}\n--> statement-breakpoint\n${timezone.down}` }])).toEqual([]);
  });

  test('an ignore without a reason is itself a finding, and silences nothing', { timeout: 30_000 }, async () => {
    const down = '-- rag-chat-db-lint-ignore ban-drop-column\nALTER TABLE users DROP COLUMN display_name;';
    expect(await lint([{ ...timezone, down }])).toEqual([
      '0001_add_user_timezone_preference.down.sql:1: rag-chat-db/ignore-reason',
      '0001_add_user_timezone_preference.down.sql:2: ban-drop-column',
    ]);
  });

  test('an ignore that silences nothing is reported', { timeout: 30_000 }, async () => {
    const up = `-- rag-chat-db-lint-ignore ban-drop-table: left from an earlier draft\n${timezone.up}`;
    expect(await lint([{ ...timezone, up }])).toEqual(['0001_add_user_timezone_preference.sql:1: rag-chat-db/unused-ignore']);
  });

  test.each([
    ['-- rag-chat-db-lint-ignore ban-drop-column: why', [{ line: 1, rules: ['ban-drop-column'], reason: 'why' }]],
    ['SELECT 1;\n  -- rag-chat-db-lint-ignore a, b:  two rules ', [{ line: 2, rules: ['a', 'b'], reason: 'two rules' }]],
    ['-- rag-chat-db-lint-ignore ban-drop-column:', [{ line: 1, rules: ['ban-drop-column'], reason: '' }]],
  ])('lintIgnores(%j)', (text, expected) => {
    expect(lintIgnores(text)).toEqual(expected);
  });
});

describe('a way back', () => {
  test('a file with no down file is reported, unless it declares itself irreversible with a reason', { timeout: 30_000 }, async () => {
    expect(
      await lint([
        { tag: '0000_a', up: 'CREATE TABLE a (id bigint);' },
        { tag: '0001_b', up: '-- rag-chat-db: irreversible the old rows are deleted for good\nDELETE FROM a WHERE id < 0;' },
        { tag: '0002_c', up: '-- rag-chat-db: irreversible\nDELETE FROM a WHERE id < 0;' },
        { tag: '0003_d', up: '-- rag-chat-db: irreversible but it has one\nCREATE TABLE d (id bigint);', down: 'DROP TABLE d;' },
      ]),
    ).toEqual(['0000_a.down.sql:0: rag-chat-db/down-file', '0002_c.sql:1: rag-chat-db/irreversible', '0003_d.sql:1: rag-chat-db/irreversible']);
  });
});

describe('reading SQL', () => {
  test('statements split outside strings, quoted names, dollar quotes and comments', () => {
    const text = "SELECT ';' AS \"a;b\"; -- c;\nDO $$ BEGIN PERFORM 1; END $$\n--> statement-breakpoint\n/* x; */ DROP TABLE t";
    expect(sqlStatements(text).map((statement) => statement.code)).toEqual([
      'SELECT \';\' AS "a;b"',
      'DO $$ BEGIN PERFORM 1; END $$',
      'DROP TABLE t',
    ]);
  });

  test('what an up file adds, and what a down statement drops', () => {
    expect(
      fileAdds(
        'CREATE TABLE IF NOT EXISTS "Mixed" (id int);\nALTER TABLE ONLY public.users ADD COLUMN IF NOT EXISTS tz text, ADD CONSTRAINT users_tz_check CHECK (tz <> \'\'), ADD PRIMARY KEY (id);\n' +
          'CREATE UNIQUE INDEX CONCURRENTLY users_tz_idx ON users (tz);\nCREATE TYPE mood AS ENUM (\'ok\');',
      ),
    ).toEqual([
      { kind: 'table', name: 'Mixed' },
      { kind: 'column', name: 'users.tz' },
      { kind: 'constraint', name: 'users.users_tz_check' },
      { kind: 'index', name: 'users_tz_idx', concurrently: true },
      { kind: 'type', name: 'mood' },
    ]);
    expect(objectsDropped('DROP TABLE IF EXISTS a, "B" CASCADE')).toEqual([
      { kind: 'table', name: 'a' },
      { kind: 'table', name: 'B' },
    ]);
    expect(objectsDropped('ALTER TABLE users DROP COLUMN a, ALTER COLUMN b DROP NOT NULL, ALTER COLUMN c DROP DEFAULT')).toEqual([
      { kind: 'column', name: 'users.a' },
      { kind: 'not-null', name: 'users.b' },
    ]);
    expect(objectsDropped('ALTER TABLE users DROP COLUMN a, DROP COLUMN b', 'DROP COLUMN b')).toEqual([{ kind: 'column', name: 'users.b' }]);
  });

  test('the existing tables a file changes or writes to', () => {
    expect(
      tablesTouched(
        'ALTER TABLE users ADD COLUMN tz text;\nUPDATE "users" SET tz = \'UTC\';\nINSERT INTO audit VALUES (1);\nDELETE FROM ONLY logs;\nCREATE INDEX CONCURRENTLY x ON public.messages (id);',
      ),
    ).toEqual(['users', 'audit', 'logs', 'messages']);
  });
});
