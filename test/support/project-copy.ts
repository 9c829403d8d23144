/** A scratch copy of this project (sources, migrations, config; node_modules linked), for commands that write files. */
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/migrate/files.ts';

export function copyProject(): string {
  const copy = mkdtempSync(join(tmpdir(), 'rcdb-project-'));
  for (const part of ['src', 'drizzle', 'drizzle.config.ts', 'package.json', 'tsconfig.json']) {
    cpSync(join(packageRoot, part), join(copy, part), { recursive: true });
  }
  symlinkSync(join(packageRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}
