/**
 * `rag-chat-db new "add user timezone preference" --module auth`: creates a
 * migration, on drizzle-kit. After a schema change it runs
 * `drizzle-kit generate --name`; with `custom` it asks drizzle-kit for an
 * empty file to write by hand. Either way it writes the down file beside
 * it: a draft that reverses the schema diff (drizzle-kit's own differ, run
 * from the new snapshot back to the previous one), marked as a draft so
 * that nothing runs it until someone has reviewed it.
 *
 * An application module (rag-chat-db.config.ts) goes another way, so that
 * a refusal writes nothing and nothing is written outside its folder: the
 * project's drizzle-kit serializes the module's schema into a temporary
 * folder, its differ compares that with the module's last snapshot, and only
 * then are the migration, its snapshot, the draft down file and the journal
 * entry written into the module's folder. Our tables the schema declares
 * (`pgTable('users', { timezone: ... })`, the columns an application adds to
 * one of ours) are diffed against an empty shell of the table, so the
 * migration holds `ALTER TABLE "users" ADD COLUMN ...`, never a CREATE TABLE
 * of ours.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { drizzleCasing } from './config.ts';
import { MigrationRefusedError } from './errors.ts';
import { draftMarker, migrationsRoot, statementBreakpoint } from './files.ts';
import { builtinModuleNames, type ModuleInfo, type ModuleName, modules } from './modules.ts';

const run = promisify(execFile);

export interface NewMigrationOptions {
  description: string;
  /** A built-in module (only in a checkout of rag-chat-db) or an application module's info (from loadModules). */
  module: ModuleName | ModuleInfo;
  /** An empty migration to write by hand, for what drizzle-kit cannot generate (data changes, CONCURRENTLY, ...). */
  custom?: boolean;
  /** The project holding drizzle.config.ts (the current directory by default). */
  root?: string;
}

/** A migration pair written into a module (by `rag-chat-db new` or writeLinkUsersMigration): its tag, the paths of its up and down files, and what was drafted into the down file. */
export interface NewMigration {
  /** The migration's tag in the journal (`0004_add_timezone`). */
  tag: string;
  /** Where the up file was written, relative to the project directory. */
  upPath: string;
  /** Where the down file was written, relative to the project directory. */
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
  const info = typeof options.module === 'string' ? modules[options.module] : options.module;
  if (info.kind === 'builtin' && !isOurCheckout(root)) {
    throw new MigrationRefusedError([
      `${info.name} is one of rag-chat-db's own modules: its migrations ship with the package. ` +
        'Declare a module of your own in rag-chat-db.config.ts and pass its name to --module.',
    ]);
  }
  const kitRoot = drizzleKitRoot(root);
  if (info.kind === 'app') return newAppMigration(info, name, options, root, kitRoot);

  const folder = join(root, info.migrationsFolder);
  const before = readJournal(folder);

  const args = [join(kitRoot, 'bin.cjs'), 'generate', '--name', name, ...(options.custom ? ['--custom'] : [])];
  try {
    await run(process.execPath, args, { cwd: root, env: { ...process.env, RAG_CHAT_DB_MODULE: info.name } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new MigrationRefusedError([`drizzle-kit generate failed: ${(stderr || stdout || String(error)).trim().split('\n').slice(-3).join(' ')}`]);
  }

  const after = readJournal(folder);
  if (after.length === before.length) {
    throw new MigrationRefusedError([
      `drizzle-kit found no change in ${info.schemaFile}. Change the schema first, or pass --custom for a migration written by hand.`,
    ]);
  }
  const entry = after.at(-1)!;
  const upPath = join(folder, `${entry.tag}.sql`);
  const downPath = join(folder, `${entry.tag}.down.sql`);

  let drafted: string[] = [];
  if (options.custom) {
    writeFileSync(upPath, customUpFile(options.description));
  } else {
    const { generateMigration } = await kitApi(kitRoot);
    const current = readSnapshot(folder, entry.idx);
    const previous = entry.idx > 0 ? readSnapshot(folder, entry.idx - 1) : emptySnapshot(current);
    drafted = await generateMigration(current, previous);
  }
  writeFileSync(downPath, downFile(entry.tag, options.custom ? undefined : drafted));
  return { tag: entry.tag, upPath: relative(root, upPath), downPath: relative(root, downPath), drafted };
}

function customUpFile(description: string): string {
  return (
    `-- ${description}\n-- One statement per piece; separate them with a line "${statementBreakpoint}".\n` +
    `-- For CREATE/DROP INDEX CONCURRENTLY, make the first line "-- rag-chat-db: no-transaction".\n`
  );
}

/** The draft down file: `drafted` reverses the schema diff; undefined for a custom migration. */
function downFile(tag: string, drafted: string[] | undefined): string {
  const body =
    drafted === undefined
      ? `-- Write the SQL that exactly reverses ${tag}.sql.\n`
      : `-- Drafted by reversing drizzle-kit's schema diff. Check it: drops lose data, CASCADE may reach further than\n` +
        `-- you want, and data migrations are not reversed.\n${drafted.join(`\n${statementBreakpoint}\n`)}\n`;
  return `${draftMarker}\n-- Review this file, then delete the line above; until then rollback refuses to run it.\n${body}`;
}

/** The project is a checkout of rag-chat-db itself (where our own modules get new migrations). */
function isOurCheckout(root: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string };
    return manifest.name === 'rag-chat-db' && existsSync(join(root, 'drizzle.config.ts'));
  } catch {
    return false;
  }
}

/** The project's own drizzle-kit (never ours: its version is the one the project's snapshots were written by). */
function drizzleKitRoot(root: string): string {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve('drizzle-kit')); // its exports map hides package.json
  } catch {
    throw new MigrationRefusedError(['`new` runs drizzle-kit, which is not installed here: npm install -D drizzle-kit@0.31']);
  }
}

type Snapshot = Record<string, unknown> & { id: string; tables: Record<string, Record<string, unknown>> };

async function kitApi(kitRoot: string) {
  return (await import(pathToFileURL(join(kitRoot, 'api.mjs')).href)) as {
    generateMigration: (prev: unknown, cur: unknown) => Promise<string[]>;
  };
}

const originId = '00000000-0000-0000-0000-000000000000';

async function newAppMigration(
  info: ModuleInfo,
  name: string,
  options: NewMigrationOptions,
  root: string,
  kitRoot: string,
): Promise<NewMigration> {
  const folder = info.migrationsFolder;
  const last = readAppJournal(folder).entries.at(-1);
  const previous = last ? (readSnapshot(folder, last.idx) as Snapshot) : undefined;

  let snapshot: Snapshot | undefined; // a custom file leaves the schema as it was: the previous snapshot
  let up: string[] = [];
  let drafted: string[] | undefined;
  if (!options.custom) {
    const serialized = await serializeSchema(kitRoot, info, root, await drizzleCasing(root));
    const [before, after] = withShellsOfOurTables(previous ?? (emptySnapshot(serialized) as Snapshot), serialized);
    const { generateMigration } = await kitApi(kitRoot);
    up = await generateMigration(before, after);
    if (up.length === 0) {
      throw new MigrationRefusedError([
        `drizzle-kit found no change in ${relative(root, info.schemaFile)} for module ${info.name}. ` +
          'Change the schema first, or pass --custom for a migration written by hand.',
      ]);
    }
    drafted = await generateMigration(after, before);
    snapshot = { ...after, id: randomUUID(), prevId: previous?.id ?? originId };
  }

  // Everything is known: only now is anything written, and only into the module's folder.
  const upText = options.custom ? customUpFile(options.description) : up.join(`${statementBreakpoint}\n`);
  const written = writeAppMigration(info, name, { up: upText, down: (tag) => downFile(tag, drafted), snapshot }, root);
  return { ...written, drafted: drafted ?? [] };
}

/**
 * Appends one migration to an application module: the up and down files,
 * the snapshot (the previous one when `snapshot` is not given: the schema
 * drizzle-kit sees is unchanged, as for a custom file), and the journal
 * entry, all in the module's folder. `new` and `link-users` write through it.
 */
export function writeAppMigration(
  info: ModuleInfo,
  name: string,
  files: { up: string; down: (tag: string) => string; snapshot?: Record<string, unknown> | undefined },
  root: string,
): Omit<NewMigration, 'drafted'> {
  const folder = info.migrationsFolder;
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = readAppJournal(folder);
  const last = journal.entries.at(-1);
  const previous = last ? (readSnapshot(folder, last.idx) as Snapshot) : undefined;
  const snapshot = files.snapshot ?? ({ ...(previous ?? emptySnapshot(blankSnapshot())), id: randomUUID(), prevId: previous?.id ?? originId } as unknown as Snapshot);
  const idx = last ? last.idx + 1 : 0;
  const prefix = String(idx).padStart(4, '0');
  const tag = `${prefix}_${name}`;
  const upPath = join(folder, `${tag}.sql`);
  const downPath = join(folder, `${tag}.down.sql`);
  mkdirSync(join(folder, 'meta'), { recursive: true });
  writeFileSync(join(folder, 'meta', `${prefix}_snapshot.json`), JSON.stringify({ ...snapshot, _meta: { columns: {}, schemas: {}, tables: {} } }, null, 2));
  writeFileSync(upPath, files.up);
  writeFileSync(downPath, files.down(tag));
  journal.entries.push({ idx, version: '7', when: Math.max(Date.now(), (last?.when ?? 0) + 1), tag, breakpoints: true } as never);
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  return { tag, upPath: relative(root, upPath), downPath: relative(root, downPath) };
}

type AppJournal = { entries: (JournalEntry & { when: number })[] };

function readAppJournal(folder: string): AppJournal {
  const journalPath = join(folder, 'meta', '_journal.json');
  return existsSync(journalPath) ? (JSON.parse(readFileSync(journalPath, 'utf8')) as AppJournal) : ({ version: '7', dialect: 'postgresql', entries: [] } as AppJournal);
}

/** The module's schema as drizzle-kit sees it: `generate` into an empty temporary folder, whose one snapshot is the schema. */
async function serializeSchema(kitRoot: string, info: ModuleInfo, root: string, casing: string | undefined): Promise<Snapshot> {
  if (!existsSync(info.schemaFile)) {
    throw new MigrationRefusedError([`module ${info.name}: its schema file ${info.schemaFile} does not exist.`]);
  }
  const out = mkdtempSync(join(tmpdir(), 'rag-chat-db-new-'));
  try {
    const args = [join(kitRoot, 'bin.cjs'), 'generate', '--dialect', 'postgresql', '--schema', info.schemaFile, '--out', out, '--name', 'schema'];
    if (casing) args.push('--casing', casing); // the project's drizzle.config's: with flags, drizzle-kit reads no config
    try {
      await run(process.execPath, args, { cwd: root });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new MigrationRefusedError([`drizzle-kit generate failed: ${(stderr || stdout || String(error)).trim().split('\n').slice(-3).join(' ')}`]);
    }
    const path = join(out, 'meta', '0000_snapshot.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Snapshot) : (emptySnapshot(blankSnapshot()) as Snapshot);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Our tables as they stand after our migrations are not the application's
 * to create or drop: where one side declares one of them and the other does
 * not, the other side gets an empty shell of it, so the diff holds only the
 * columns, indexes and constraints the application adds.
 */
function withShellsOfOurTables(before: Snapshot, after: Snapshot): [Snapshot, Snapshot] {
  const ours = ourTableKeys();
  const shell = (table: Record<string, unknown>) => ({
    ...table,
    columns: {},
    indexes: {},
    foreignKeys: {},
    compositePrimaryKeys: {},
    uniqueConstraints: {},
    policies: {},
    checkConstraints: {},
  });
  const beforeTables = { ...before.tables };
  const afterTables = { ...after.tables };
  for (const key of ours) {
    if (afterTables[key] && !beforeTables[key]) beforeTables[key] = shell(afterTables[key]);
    if (beforeTables[key] && !afterTables[key]) afterTables[key] = shell(beforeTables[key]);
  }
  return [
    { ...before, tables: beforeTables },
    { ...after, tables: afterTables },
  ];
}

/** "public.users", ...: every table our modules' latest snapshots hold. */
function ourTableKeys(): Set<string> {
  const keys = new Set<string>();
  for (const name of builtinModuleNames) {
    const folder = join(migrationsRoot, modules[name].migrationsFolder);
    const last = readJournal(folder).at(-1);
    if (!last) continue;
    for (const key of Object.keys((readSnapshot(folder, last.idx) as Snapshot).tables ?? {})) keys.add(key);
  }
  return keys;
}

function blankSnapshot(): Record<string, unknown> {
  return { id: originId, prevId: originId, version: '7', dialect: 'postgresql' };
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
