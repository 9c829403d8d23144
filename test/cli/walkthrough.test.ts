/**
 * The README's "Adding a migration, step by step", followed as in a fresh
 * clone: the copy is built once (what `npm ci` does), then every step runs
 * `npx rag-chat-db`, the built CLI. The files `new` writes must be the ones
 * lint, verify, init and status read, with no rebuild between them (0.1's
 * CLI read a copy made at build time: verify "matched" and init was "up to
 * date" without the new file).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { connect, createDatabase, databaseName, dropDatabase } from '../support/databases.ts';
import { copyProject } from '../support/project-copy.ts';

const run = promisify(execFile);
/** `npx rag-chat-db ...` in the copy: its own built bin. */
const npx = (project: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('npx', ['--no-install', 'rag-chat-db', ...args], { cwd: project, env: { PATH: process.env.PATH, ...env } })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));

const adminUrl = inject('adminUrl');
const name = databaseName(inject('ownerPid'), 'walk');
afterAll(() => dropDatabase(adminUrl, name));

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
const walkthrough = readme.slice(readme.indexOf('### Adding a migration, step by step'), readme.indexOf('### What the runner guarantees'));

test('the README walkthrough, step by step: new, review, lint, verify, init, status', { timeout: 180_000 }, async () => {
  const project = copyProject();
  await run('npm', ['run', 'build'], { cwd: project });
  // The next auth migration after the shipped ones, as the README names it.
  const tag = `${String(readMigrations('auth').length).padStart(4, '0')}_add_user_timezone_preference`;
  expect(walkthrough).toContain(`drizzle/auth/${tag}.sql`);

  // 1. Change the schema as the README says.
  const line = /add `(timezone: text\('timezone'\),)` to `users` in\s+`(src\/schema\/auth\.ts)`/.exec(walkthrough);
  expect(line).not.toBeNull();
  const schemaPath = join(project, line![2]!);
  const schema = readFileSync(schemaPath, 'utf8');
  writeFileSync(schemaPath, schema.replace("    displayName: text('display_name'),", `    displayName: text('display_name'),\n    ${line![1]}`));

  // 2. new
  expect(walkthrough).toContain('npx rag-chat-db new "add user timezone preference" --module auth');
  const created = await npx(project, ['new', 'add user timezone preference', '--module', 'auth']);
  expect(created.code).toBe(exitCodes.ok);
  expect(readFileSync(join(project, `drizzle/auth/${tag}.sql`), 'utf8')).toContain('ALTER TABLE "users" ADD COLUMN "timezone" text;');

  // 3. Review the down file: delete the draft line.
  const downPath = join(project, `drizzle/auth/${tag}.down.sql`);
  const down = readFileSync(downPath, 'utf8');
  expect(down.split('\n')[0]).toBe('-- rag-chat-db: draft');
  writeFileSync(downPath, down.split('\n').slice(1).join('\n'));

  // 4. lint
  const lint = await npx(project, ['lint']);
  expect(lint.stdout.trim()).toBe('lint: no problems');

  // 5. verify, with nothing set: a fresh in-memory PGlite; the new file is among the steps.
  const verify = await npx(project, ['verify']);
  expect(verify.stdout).toContain(`ok   roll back auth/${tag}`);
  expect(verify.code).toBe(exitCodes.ok);

  // 6. init on the real database: the column is there, and status counts the new file.
  const url = await createDatabase(adminUrl, name);
  const init = await npx(project, ['init'], { DATABASE_URL: url });
  expect(init.stdout).toMatch(new RegExp(`applied\\s+auth/${tag}`));
  const sql = connect(url, 1);
  try {
    expect(await sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'timezone'`).toHaveLength(1);
  } finally {
    await sql.end();
  }
  const status = await npx(project, ['status'], { DATABASE_URL: url });
  const authFiles = readMigrations('auth').length + 1; // the shipped ones and the walkthrough's
  expect(status.stdout).toMatch(new RegExp(`\\nauth\\s+${authFiles}/${authFiles}\\s+0`));
  expect(status.code).toBe(exitCodes.ok);
});
