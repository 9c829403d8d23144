/**
 * `init` refuses a migration with no way back, with its own exit code, and
 * `status` shows why a file declared irreversible has none. The CLI runs
 * from a scratch copy of the project (through tsx), so it reads that copy's
 * drizzle/ folder, where the test adds a file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';
import { cliInCopy, copyProject } from '../support/project-copy.ts';

const adminUrl = inject('adminUrl');
const name = databaseName(inject('ownerPid'), 'waybk');
afterAll(() => dropDatabase(adminUrl, name));



function addAuthMigration(project: string, tag: string, up: string) {
  const journalPath = join(project, 'drizzle/auth/meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ idx: last.idx + 1, version: '7', when: last.when + 1_000, tag, breakpoints: true } as never);
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  writeFileSync(join(project, `drizzle/auth/${tag}.sql`), up);
}

test('init refuses a file with no down file, before applying anything (exit 6); declared irreversible, it applies and status says why', { timeout: 90_000 }, async () => {
  const url = await createDatabase(adminUrl, name);
  const env = { DATABASE_URL: url };
  const project = copyProject();
  const shipped = readMigrations('auth').length;
  const tag = `${String(shipped).padStart(4, '0')}_forget_display_names`;
  addAuthMigration(project, tag, 'UPDATE "users" SET "display_name" = NULL;');

  const refused = await cliInCopy(project, ['init', '--scope', 'auth'], env);
  expect(refused.stderr).toContain(`auth/${tag} has no down file: write ${join(project, `drizzle/auth/${tag}.down.sql`)}`);
  expect(refused.stderr).toContain('-- rag-chat-db: irreversible <why>');
  expect(refused.code).toBe(exitCodes.noWayBack);
  expect(exitCodes.noWayBack).toBe(6);
  expect(readFileSync(join(packageRoot, 'README.md'), 'utf8')).toContain('| 6 | refused before running anything: a migration to apply has no down file');
  const sql = connect(url, 1);
  try {
    expect((await sql`SELECT to_regclass('users') AS t`)[0]!.t).toBeNull(); // not even auth/0000_init ran
    const blocked = await cliInCopy(project, ['status'], env);
    expect(blocked.stdout).toContain(`problem: auth/${tag} has no down file`);
    expect(blocked.code).toBe(exitCodes.refused);

    writeFileSync(
      join(project, `drizzle/auth/${tag}.sql`),
      '-- rag-chat-db: irreversible display names are forgotten for good\nUPDATE "users" SET "display_name" = NULL;',
    );
    const applied = await cliInCopy(project, ['init', '--scope', 'auth'], env);
    expect(applied.stdout).toContain(`applied ${shipped + 1} migrations`);
    expect(applied.code).toBe(0);

    const status = await cliInCopy(project, ['status'], env);
    expect(status.stdout).toContain(`irreversible: auth/${tag}: display names are forgotten for good`);
    const json = JSON.parse((await cliInCopy(project, ['status', '--json'], env)).stdout) as { module: string; irreversible: unknown }[];
    expect(json.find((state) => state.module === 'auth')!.irreversible).toEqual([{ tag, reason: 'display names are forgotten for good', applied: true }]);
  } finally {
    await sql.end();
  }
});
