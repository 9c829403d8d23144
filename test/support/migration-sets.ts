/** Throwaway migration folders in drizzle-kit's layout, for testing the runner on files of our choosing. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationSource } from '../../src/migrate/files.ts';

export interface FixtureFile {
  tag: string;
  up: string;
  down?: string;
}

export function writeMigrationSet(files: FixtureFile[], name = `fx_${randomBytes(3).toString('hex')}`): MigrationSource {
  const folder = mkdtempSync(join(tmpdir(), 'rcdb-migrations-'));
  mkdirSync(join(folder, 'meta'));
  const entries = files.map((file, idx) => ({ idx, version: '7', when: 1_700_000_000_000 + idx * 1_000, tag: file.tag, breakpoints: true }));
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  for (const file of files) {
    writeFileSync(join(folder, `${file.tag}.sql`), file.up);
    if (file.down !== undefined) writeFileSync(join(folder, `${file.tag}.down.sql`), file.down);
  }
  return { name, folder, migrationsTable: `__drizzle_migrations_${name}`, requires: [] };
}

/** Adds a file to an existing set's journal, dated after the others unless `when` says otherwise. */
export function addMigration(source: MigrationSource, file: FixtureFile, when?: number): void {
  const journalPath = join(source.folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
  const last = journal.entries.at(-1);
  journal.entries.push({ idx: journal.entries.length, when: when ?? (last ? last.when + 1_000 : 1_700_000_000_000), tag: file.tag, version: '7', breakpoints: true } as never);
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  writeFileSync(join(source.folder, `${file.tag}.sql`), file.up);
  if (file.down !== undefined) writeFileSync(join(source.folder, `${file.tag}.down.sql`), file.down);
}
