/**
 * `rag-chat-db new "add user timezone preference" --module auth`: the seed's
 * create_migration, on drizzle-kit. After a schema change it runs
 * `drizzle-kit generate --name`; with `custom` it asks drizzle-kit for an
 * empty file to write by hand. Either way it writes the down file beside
 * it: a draft that reverses the schema diff (drizzle-kit's own differ, run
 * from the new snapshot back to the previous one), marked as a draft so
 * that nothing runs it until someone has reviewed it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { MigrationRefusedError } from './errors.ts';
import { draftMarker, statementBreakpoint } from './files.ts';
import { type ModuleName, modules } from './modules.ts';

const run = promisify(execFile);

export interface NewMigrationOptions {
  description: string;
  module: ModuleName;
  /** An empty migration to write by hand, for what drizzle-kit cannot generate (data changes, CONCURRENTLY, ...). */
  custom?: boolean;
  /** The project holding drizzle.config.ts (the current directory by default). */
  root?: string;
}

export interface NewMigration {
  tag: string;
  upPath: string;
  downPath: string;
  /** Statements drafted into the down file (empty for a custom migration). */
  drafted: string[];
}

interface JournalEntry {
  idx: number;
  tag: string;
}

export function slugify(description: string): string {
  return description
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '') // accents left apart by NFKD: "é" -> "e"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60)
    .replace(/_+$/, '');
}

export async function newMigration(options: NewMigrationOptions): Promise<NewMigration> {
  const root = options.root ?? process.cwd();
  const name = slugify(options.description);
  if (!name) throw new MigrationRefusedError(['The description needs at least one letter or digit, e.g. "add user timezone preference".']);

  const folder = join(root, modules[options.module].migrationsFolder);
  const before = readJournal(folder);
  const projectRequire = createRequire(join(root, 'package.json'));
  let kitRoot: string;
  try {
    kitRoot = dirname(projectRequire.resolve('drizzle-kit')); // its exports map hides package.json
  } catch {
    throw new MigrationRefusedError(['`new` runs drizzle-kit, which is not installed here: npm install -D drizzle-kit@0.31']);
  }

  const args = [join(kitRoot, 'bin.cjs'), 'generate', '--name', name, ...(options.custom ? ['--custom'] : [])];
  try {
    await run(process.execPath, args, { cwd: root, env: { ...process.env, RAG_CHAT_DB_MODULE: options.module } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new MigrationRefusedError([`drizzle-kit generate failed: ${(stderr || stdout || String(error)).trim().split('\n').slice(-3).join(' ')}`]);
  }

  const after = readJournal(folder);
  if (after.length === before.length) {
    throw new MigrationRefusedError([
      `drizzle-kit found no change in ${modules[options.module].schemaFile}. Change the schema first, or pass --custom for a migration written by hand.`,
    ]);
  }
  const entry = after.at(-1)!;
  const upPath = join(folder, `${entry.tag}.sql`);
  const downPath = join(folder, `${entry.tag}.down.sql`);

  let drafted: string[] = [];
  let body: string;
  if (options.custom) {
    writeFileSync(
      upPath,
      `-- ${options.description}\n-- One statement per piece; separate them with a line "${statementBreakpoint}".\n` +
        `-- For CREATE/DROP INDEX CONCURRENTLY, make the first line "-- rag-chat-db: no-transaction".\n`,
    );
    body = `-- Write the SQL that exactly reverses ${entry.tag}.sql.\n`;
  } else {
    const { generateMigration } = (await import(pathToFileURL(join(kitRoot, 'api.mjs')).href)) as {
      generateMigration: (prev: unknown, cur: unknown) => Promise<string[]>;
    };
    const current = readSnapshot(folder, entry.idx);
    const previous = entry.idx > 0 ? readSnapshot(folder, entry.idx - 1) : emptySnapshot(current);
    drafted = await generateMigration(current, previous);
    body =
      `-- Drafted by reversing drizzle-kit's schema diff. Check it: drops lose data, CASCADE may reach further than\n` +
      `-- you want, and data migrations are not reversed.\n${drafted.join(`\n${statementBreakpoint}\n`)}\n`;
  }
  writeFileSync(downPath, `${draftMarker}\n-- Review this file, then delete the line above; until then rollback refuses to run it.\n${body}`);
  return { tag: entry.tag, upPath: relative(root, upPath), downPath: relative(root, downPath), drafted };
}

function readJournal(folder: string): JournalEntry[] {
  const path = join(folder, 'meta', '_journal.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { entries: JournalEntry[] }).entries : [];
}

function readSnapshot(folder: string, idx: number): Record<string, unknown> {
  return JSON.parse(readFileSync(join(folder, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`), 'utf8'));
}

function emptySnapshot(like: Record<string, unknown>): Record<string, unknown> {
  const empty = { tables: {}, enums: {}, schemas: {}, views: {}, sequences: {}, roles: {}, policies: {} };
  return { ...like, ...empty, id: '00000000-0000-0000-0000-000000000000', prevId: '', _meta: { columns: {}, schemas: {}, tables: {} } };
}
