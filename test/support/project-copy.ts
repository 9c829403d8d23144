/** A scratch copy of this project (sources, migrations, config; node_modules linked), for commands that write files. */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/migrate/files.ts';

export function copyProject(): string {
  const copy = mkdtempSync(join(tmpdir(), 'rcdb-project-'));
  for (const part of ['src', 'drizzle', 'drizzle.config.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(packageRoot, part), join(copy, part), { recursive: true });
  }
  symlinkSync(join(packageRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/**
 * The CLI of a copy (its src/bin.ts through tsx, in a process of its own), so
 * that it reads the copy's drizzle/ folder, as a checkout's CLI reads its own.
 */
export async function cliInCopy(project: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = join(packageRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  return promisify(execFile)(process.execPath, [tsx, join(project, 'src', 'bin.ts'), ...args], { cwd: project, env: { PATH: process.env.PATH, ...env } })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));
}
