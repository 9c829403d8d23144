/**
 * Reading a module's migrations as drizzle writes them: `meta/_journal.json`
 * lists the files in order; each `<tag>.sql` is split on
 * `--> statement-breakpoint`; its sha256 is the hash drizzle stores in its
 * migrations table. Each `<tag>.down.sql` beside it reverses the file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModuleName, modules } from './modules.ts';

export const statementBreakpoint = '--> statement-breakpoint';

/** The package root: the folder holding `drizzle/`, from `src/migrate` or `dist/migrate` alike. */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface MigrationFile {
  module: ModuleName;
  /** drizzle's journal tag, also the file name without `.sql`: `0000_init`. */
  tag: string;
  /** The journal's `when`, which drizzle stores as `created_at` and compares to find pending files. */
  when: number;
  /** sha256 of the file's text, as drizzle stores it. */
  hash: string;
  upPath: string;
  up: string[];
  downPath: string;
  /** Undefined when the file has no down file (it then cannot be rolled back). */
  down: string[] | undefined;
}

interface Journal {
  entries: { idx: number; tag: string; when: number; breakpoints: boolean }[];
}

export function migrationsFolder(module: ModuleName, root = packageRoot): string {
  return join(root, modules[module].migrationsFolder);
}

export function readMigrations(module: ModuleName, root = packageRoot): MigrationFile[] {
  const folder = migrationsFolder(module, root);
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
  return journal.entries.map(({ tag, when }) => {
    const upPath = join(folder, `${tag}.sql`);
    const downPath = join(folder, `${tag}.down.sql`);
    const text = readFileSync(upPath, 'utf8');
    return {
      module,
      tag,
      when,
      hash: createHash('sha256').update(text).digest('hex'),
      upPath,
      up: splitStatements(text),
      downPath,
      down: existsSync(downPath) ? splitStatements(readFileSync(downPath, 'utf8')) : undefined,
    };
  });
}

/** A migration file's statements, without the empty pieces around breakpoints. */
export function splitStatements(text: string): string[] {
  return text
    .split(statementBreakpoint)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
