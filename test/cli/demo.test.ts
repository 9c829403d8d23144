/** npm run demo, as a newcomer runs it: on the embedded database by default, or on DATABASE_URL. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, test } from 'vitest';
import { packageRoot, readMigrations } from '../../src/migrate/files.ts';
import { scopes } from '../../src/migrate/modules.ts';
import { withEmptyDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const demo = join(packageRoot, 'examples', 'demo.mjs');

function expectConversation(stdout: string) {
  expect(stdout).toContain('ROS 2 basics  {"chapter":"module-1","personalized":true}');
  expect(stdout).toContain('about the highlighted text: "ROS 2 uses DDS for communication"');
  expect(stdout).toContain('[3] module-2-gazebo / chunk_045  score 0.82');
  expect(stdout).toContain('rated up (clear)');
  expect(stdout).toContain('Reader: Do I need to install DDS myself?');
}

test('without DATABASE_URL: the embedded database, installed then used, twice over', { timeout: 60_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rcdb-demo-'));
  const env = { PATH: process.env.PATH };
  const first = await run(process.execPath, [demo], { cwd, env });
  expect(first.stderr).toContain('embedded PGlite database in .rag-chat-db');
  const shipped = scopes.all.flatMap((name) => readMigrations(name).map((migration) => `${name}/${migration.tag}`));
  expect(first.stderr).toContain(`installed: ${shipped.join(', ')}`);
  expectConversation(first.stdout);
  const second = await run(process.execPath, [demo], { cwd, env });
  expect(second.stderr).toContain('schema up to date');
  expectConversation(second.stdout);
});

test('with DATABASE_URL: the same on that server', { timeout: 60_000 }, async () => {
  await withEmptyDatabase(inject('adminUrl'), inject('ownerPid'), async (url) => {
    const { stdout, stderr } = await run(process.execPath, [demo], { env: { PATH: process.env.PATH, DATABASE_URL: url } });
    expect(stderr).not.toContain('PGlite');
    expectConversation(stdout);
  });
});
