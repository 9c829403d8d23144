/**
 * The TypeScript schema and the committed migrations agree: `drizzle-kit
 * generate` run on a copy of the checkout writes nothing new for any module.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { packageRoot } from '../../src/migrate/files.ts';
import { moduleNames } from '../../src/migrate/modules.ts';

const run = promisify(execFile);
const copy = mkdtempSync(join(tmpdir(), 'rag-chat-db-generate-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(folder.length)] = readFileSync(path, 'utf8');
  }
  return files;
}

test.each(moduleNames)('drizzle-kit generate writes nothing for %s', { timeout: 60_000 }, async (name) => {
  for (const part of ['src', 'drizzle', 'drizzle.config.ts', 'package.json', 'tsconfig.json']) {
    cpSync(join(packageRoot, part), join(copy, part), { recursive: true, force: true });
  }
  try {
    symlinkSync(join(packageRoot, 'node_modules'), join(copy, 'node_modules'));
  } catch {
    // already linked by an earlier module's run
  }
  const before = snapshot(join(copy, 'drizzle'));

  const { stdout } = await run(process.execPath, [join(copy, 'node_modules/drizzle-kit/bin.cjs'), 'generate'], {
    cwd: copy,
    env: { ...process.env, RAG_CHAT_DB_MODULE: name },
  });

  expect(stdout).toContain('No schema changes');
  expect(snapshot(join(copy, 'drizzle'))).toEqual(before);
});
