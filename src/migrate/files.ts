/**
 * Reading a module's migrations as drizzle writes them: `meta/_journal.json`
 * lists the files in order; each `<tag>.sql` is split on
 * `--> statement-breakpoint`; its sha256 is the hash drizzle stores in its
 * migrations table. Each `<tag>.down.sql` beside it reverses the file.
 *
 * Two markers, each on a line of its own at the top of a file:
 * - `-- rag-chat-db: no-transaction`: run the file outside a transaction, one
 *   statement at a time (for CREATE / DROP INDEX CONCURRENTLY);
 * - `-- rag-chat-db: draft`: a down file drafted by `rag-chat-db new` and not
 *   yet reviewed; it is never run.
 * A third, anywhere in the comment lines that open an up file:
 * - `-- rag-chat-db: irreversible <reason>`: the file has no down file, on
 *   purpose; without it, a file with no down file is never applied.
 * And one more there, as many times as needed:
 * - `-- rag-chat-db: amends <sha256>: <reason>`: the file was changed after
 *   release, on purpose; a database whose journal records that sha256 for it
 *   applied the earlier text and counts as up to date (a later migration
 *   brings it to the new one). Any other difference is still tampering.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModuleInfo, type ModuleName, modules } from './modules.ts';

export const statementBreakpoint = '--> statement-breakpoint';
export const noTransactionMarker = '-- rag-chat-db: no-transaction';
export const draftMarker = '-- rag-chat-db: draft';
export const irreversibleMarker = '-- rag-chat-db: irreversible';
export const amendsMarker = '-- rag-chat-db: amends';

/** The nearest folder above this file that holds `name` (from `src/migrate`, `dist/migrate`, or a build of both). */
function nearestHolding(name: string): string {
  const start = fileURLToPath(new URL('./', import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** The package root: the folder holding package.json. */
export const packageRoot = nearestHolding('package.json');

/**
 * The folder holding the shipped `drizzle/` migrations: the package root, in
 * a checkout (where `new` writes them) and in the published package alike.
 * There is one copy: the build copies nothing, so no stale copy can disagree.
 */
export const migrationsRoot = packageRoot;

/** One migration file as read: its statements and the markers in its opening comments. */
export interface SqlFile {
  /** Where the file is. */
  path: string;
  /** Its statements, in order, split at drizzle's `--> statement-breakpoint` markers. */
  statements: string[];
  /** Starts with the no-transaction marker. */
  noTransaction: boolean;
  /** Starts with the draft marker (down files drafted by `new`). */
  draft: boolean;
  /** The reason given by an irreversible marker in the file's opening comments ('' when it gives none); undefined without one. */
  irreversible?: string | undefined;
  /** The earlier versions this file replaces, from the amends markers in its opening comments. */
  amends: Amendment[];
}

/** An earlier text of a released file, by the sha256 drizzle recorded for it, and why it was changed. */
export interface Amendment {
  /** The sha256 of the earlier text. */
  hash: string;
  /** Why the file was changed. */
  reason: string;
}

/** One migration of a module, from drizzle's journal: its tag, the up file, its down file if it has one, and the hashes it is recognised by. */
export interface MigrationFile {
  /** The module it belongs to. */
  module: string;
  /** drizzle's journal tag, also the file name without `.sql`: `0000_init`. */
  tag: string;
  /** The journal's `when`: drizzle stores it as `created_at` and compares it to find pending files. */
  when: number;
  /** sha256 of the up file's text, as drizzle stores it. */
  hash: string;
  /** Hashes an applied copy may have and still count as this file: the same text with other line endings, and the earlier texts it amends. */
  acceptedHashes: string[];
  /** The up file (`<tag>.sql`). */
  up: SqlFile;
  /** Undefined when the file has no down file (it then cannot be rolled back). */
  down: SqlFile | undefined;
  /** Where its down file is, or would be: `<tag>.down.sql` beside the up file. */
  downPath: string;
}

/** Where a set of migrations lives: a built-in module, or any drizzle-kit output folder. */
export interface MigrationSource {
  /** The module's name. */
  name: string;
  /** The folder of its migrations and drizzle-kit journal (`meta/_journal.json`). */
  folder: string;
  /** drizzle's migrations table recording what is applied, in schema `drizzle`. */
  migrationsTable: string;
  /** Modules that must be installed first. */
  requires: readonly string[];
}

interface Journal {
  entries: { idx: number; tag: string; when: number; breakpoints: boolean }[];
}

/** A module's migrations; an application module's folder is absolute already, so `root` applies to built-ins only. */
export function moduleSource(module: ModuleName | ModuleInfo, root = migrationsRoot): MigrationSource {
  const info = typeof module === 'string' ? modules[module] : module;
  return {
    name: info.name,
    folder: resolve(root, info.migrationsFolder),
    migrationsTable: info.migrationsTable,
    requires: info.requires,
  };
}


/** A module's migrations, in journal order (empty for an application module without any yet), each with its up file and its down file (`<tag>.down.sql`) if there is one. */
export function readMigrations(source: ModuleName | MigrationSource, root = migrationsRoot): MigrationFile[] {
  const { name, folder } = typeof source === 'string' ? moduleSource(source, root) : source;
  const journalPath = join(folder, 'meta', '_journal.json');
  if (!existsSync(journalPath)) return []; // an application module before its first `rag-chat-db new`
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  return journal.entries.map(({ tag, when }) => {
    const upPath = join(folder, `${tag}.sql`);
    const downPath = join(folder, `${tag}.down.sql`);
    const text = readFileSync(upPath, 'utf8');
    const lf = text.replace(/\r\n/g, '\n');
    const up = parseSqlFile(upPath, text);
    return {
      module: name,
      tag,
      when,
      hash: sha256(text),
      acceptedHashes: [...new Set([sha256(text), sha256(lf), sha256(lf.replace(/\n/g, '\r\n')), ...up.amends.map((amendment) => amendment.hash)])],
      up,
      down: existsSync(downPath) ? parseSqlFile(downPath, readFileSync(downPath, 'utf8')) : undefined,
      downPath,
    };
  });
}

export function parseSqlFile(path: string, text: string): SqlFile {
  const firstLines = text.split(/\r?\n/, 5).map((line) => line.trim());
  return {
    path,
    statements: splitStatements(text),
    noTransaction: firstLines.includes(noTransactionMarker),
    draft: firstLines.includes(draftMarker),
    irreversible: irreversibleReason(text),
    amends: amendments(path, text),
  };
}

/** The amends markers among the comment lines that open the file; a malformed one is an error, never ignored. */
function amendments(path: string, text: string): Amendment[] {
  const found: Amendment[] = [];
  for (const line of openingComments(text)) {
    if (!line.startsWith(amendsMarker)) continue;
    const match = /^ ([0-9a-f]{64}): *(\S.*)$/.exec(line.slice(amendsMarker.length));
    if (!match) {
      throw new Error(`${path}: "${line}" is not "${amendsMarker} <sha256 of the earlier text, 64 hex digits>: <reason>"`);
    }
    found.push({ hash: match[1]!, reason: match[2]!.trim() });
  }
  return found;
}

/** The comment lines that open a file, trimmed (blank lines skipped). */
function openingComments(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    lines.push(line);
  }
  return lines;
}

/** The reason after the irreversible marker, among the comment lines that open the file. */
function irreversibleReason(text: string): string | undefined {
  for (const line of openingComments(text)) {
    if (line === irreversibleMarker || line.startsWith(`${irreversibleMarker} `) || line.startsWith(`${irreversibleMarker}:`)) {
      return line.slice(irreversibleMarker.length).replace(/^[\s:]+/, '').trim();
    }
  }
  return undefined;
}

/** A migration file's statements, without the empty pieces around breakpoints. */
export function splitStatements(text: string): string[] {
  return text
    .split(statementBreakpoint)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
