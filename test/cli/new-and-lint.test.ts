/**
 * `new` and `lint` on a scratch copy of the project, with the seed's worked
 * example: "add user timezone preference".
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { readMigrations } from '../../src/migrate/files.ts';
import { slugify } from '../../src/migrate/new.ts';
import { cli } from '../support/cli.ts';
import { copyProject } from '../support/project-copy.ts';

/** The tag `new` gives the next migration of a module, after the shipped ones. */
const next = (module: 'auth' | 'chat', slug: string) => `${String(readMigrations(module).length).padStart(4, '0')}_${slug}`;

function addTimezoneColumn(project: string) {
  const path = join(project, 'src/schema/auth.ts');
  const source = readFileSync(path, 'utf8');
  writeFileSync(path, source.replace("    displayName: text('display_name'),", "    displayName: text('display_name'),\n    timezone: text('timezone'),"));
}

describe('new', () => {
  test('after a schema change: the generated migration and a draft down file that reverses it', { timeout: 60_000 }, async () => {
    const project = copyProject();
    addTimezoneColumn(project);

    const result = await cli(['new', 'add user timezone preference', '--module', 'auth'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`created drizzle/auth/${next('auth', 'add_user_timezone_preference')}.sql`);
    expect(readFileSync(join(project, `drizzle/auth/${next('auth', 'add_user_timezone_preference')}.sql`), 'utf8')).toContain(
      'ALTER TABLE "users" ADD COLUMN "timezone" text;',
    );
    const down = readFileSync(join(project, `drizzle/auth/${next('auth', 'add_user_timezone_preference')}.down.sql`), 'utf8');
    expect(down.split('\n')[0]).toBe('-- rag-chat-db: draft');
    expect(down).toContain('ALTER TABLE "users" DROP COLUMN "timezone";');

    // Until reviewed, lint flags the draft.
    const lint = await cli(['lint'], { cwd: project });
    expect(lint.code).toBe(exitCodes.failed);
    expect(lint.stdout).toContain(`drizzle/auth/${next('auth', 'add_user_timezone_preference')}.down.sql:1: rag-chat-db/draft`);

    // Reviewed (the draft line deleted), the down file drops only the column its migration added: lint passes.
    const downPath = join(project, `drizzle/auth/${next('auth', 'add_user_timezone_preference')}.down.sql`);
    writeFileSync(downPath, down.split('\n').slice(1).join('\n'));
    const reviewed = await cli(['lint'], { cwd: project });
    expect(reviewed.stdout).toBe('lint: no problems');
    expect(reviewed.code).toBe(0);
  });

  test("--custom: an empty migration to write by hand, with its down file (also under the brief's name, create-migration)", { timeout: 60_000 }, async () => {
    const project = copyProject();
    const result = await cli(['create-migration', 'Backfill message language!', '--module', 'chat', '--custom'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`created drizzle/chat/${next('chat', 'backfill_message_language')}.sql`);
    expect(readFileSync(join(project, `drizzle/chat/${next('chat', 'backfill_message_language')}.down.sql`), 'utf8')).toContain(
      `Write the SQL that exactly reverses ${next('chat', 'backfill_message_language')}.sql`,
    );
  });

  test('without a schema change it says so, and writes nothing', { timeout: 60_000 }, async () => {
    const project = copyProject();
    const result = await cli(['new', 'nothing here', '--module', 'chat'], { cwd: project });
    expect(result.code).toBe(exitCodes.refused);
    expect(result.stderr).toContain('drizzle-kit found no change in src/schema/chat.ts');
  });

  test.each([
    ['add user timezone preference', 'add_user_timezone_preference'],
    ['  Ünïcödé & spaces  ', 'unicode_spaces'],
    ['!!!', ''],
  ])('slugify(%j) = %j', (description, slug) => {
    expect(slugify(description)).toBe(slug);
  });
});

describe('lint', () => {
  test('the shipped migrations pass', { timeout: 60_000 }, async () => {
    const result = await cli(['lint']);
    expect(result.stdout).toBe('lint: no problems');
    expect(result.code).toBe(0);
  });

  test('flags an index built without CONCURRENTLY on an existing table, and a missing down file', { timeout: 60_000 }, async () => {
    const project = copyProject();
    await cli(['new', 'index messages by role', '--module', 'chat', '--custom'], { cwd: project });
    const up = join(project, `drizzle/chat/${next('chat', 'index_messages_by_role')}.sql`);
    writeFileSync(up, 'CREATE INDEX messages_role_idx ON messages (role);\n');
    await cli(['new', 'no down', '--module', 'auth', '--custom'], { cwd: project });
    rmSync(join(project, `drizzle/auth/${next('auth', 'no_down')}.down.sql`));

    const result = await cli(['lint'], { cwd: project });
    expect(result.code).toBe(exitCodes.failed);
    expect(result.stdout).toContain(`drizzle/chat/${next('chat', 'index_messages_by_role')}.sql:1: require-concurrent-index-creation`);
    expect(result.stdout).toContain(`drizzle/auth/${next('auth', 'no_down')}.down.sql:0: rag-chat-db/down-file`);
  });
});
