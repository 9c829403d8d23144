/**
 * What the database says has run, and what the files say should have.
 *
 * drizzle's table per module (`drizzle.__drizzle_migrations_<module>`) has a
 * row per applied file: its sha256 and the journal's `when` as `created_at`.
 * We write exactly the rows drizzle writes, so `drizzle-kit migrate` and this
 * runner agree on what is applied. Our own table, `drizzle.rag_chat_db_incomplete`,
 * holds a row only while a no-transaction file runs, or after one failed.
 */
import type { Queryable } from './client.ts';
import type { MigrationFile, MigrationSource } from './files.ts';
import { incompleteTableName, migrationsSchema } from './modules.ts';

export const incompleteTable = `"${migrationsSchema}"."${incompleteTableName}"`;

export function journalTable(source: MigrationSource): string {
  return `"${migrationsSchema}"."${source.migrationsTable.replace(/"/g, '""')}"`;
}

/** A row of a module's drizzle migrations table: an applied file's hash and journal time. */
export interface AppliedRow {
  /** The row's id. */
  id: number;
  /** The sha256 of the file's text when it was applied. */
  hash: string;
  /** The journal's `when` of the file (milliseconds since the epoch), which drizzle compares to find pending files. */
  createdAt: number;
}

/** The runner's record of a no-transaction file that failed or was interrupted: where it stopped and why. */
export interface IncompleteRow {
  /** The module of the file. */
  module: string;
  /** The file's tag. */
  tag: string;
  /** `up` when it was being applied, `down` when rolled back. */
  direction: 'up' | 'down';
  /** `failed`: a statement failed; `running`: the run was interrupted (or is still going). */
  status: 'running' | 'failed';
  /** The statement that failed or was running, from 1 (0 before the first). */
  statementIndex: number;
  /** How many statements the file has. */
  statementCount: number;
  /** The failing statement's error message, if it failed. */
  error: string | null;
}

/** A module's migrations against the database, as status reads them: applied, pending, tampered, orphaned, out of order, incomplete. */
export interface ModuleState {
  /** The module. */
  source: MigrationSource;
  /** Every file of its journal, in order. */
  files: MigrationFile[];
  /** Applied files, oldest first, with their rows. */
  applied: { file: MigrationFile; row: AppliedRow }[];
  /** Files not applied yet, in the order they will be. */
  pending: MigrationFile[];
  /** Applied, but the file's content changed since. */
  tampered: MigrationFile[];
  /** Rows whose file is gone from the journal. */
  orphanRows: AppliedRow[];
  /** Not applied, yet older than the newest applied file (drizzle would silently skip them). */
  outOfOrder: MigrationFile[];
  /** No-transaction files that failed or were interrupted. */
  incomplete: IncompleteRow[];
}

/** Creates drizzle's table for each source and ours, as drizzle would. Call with the lock held. */
export async function ensureBookkeeping(q: Queryable, sources: readonly MigrationSource[]): Promise<void> {
  await q.query(`CREATE SCHEMA IF NOT EXISTS "${migrationsSchema}"`);
  for (const source of sources) {
    await q.query(
      `CREATE TABLE IF NOT EXISTS ${journalTable(source)} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
    );
  }
  await q.query(`CREATE TABLE IF NOT EXISTS ${incompleteTable} (
    module text NOT NULL,
    tag text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('up', 'down')),
    status text NOT NULL CHECK (status IN ('running', 'failed')),
    statement_index integer NOT NULL,
    statement_count integer NOT NULL,
    error text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, tag)
  )`);
}

async function tableExists(q: Queryable, qualified: string): Promise<boolean> {
  const [row] = await q.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [qualified]);
  return row?.exists === true;
}

export async function readState(q: Queryable, source: MigrationSource, files: MigrationFile[]): Promise<ModuleState> {
  const rows = (await tableExists(q, journalTable(source)))
    ? await q.query<{ id: number; hash: string; created_at: string | number | bigint }>(
        `SELECT id, hash, created_at FROM ${journalTable(source)} ORDER BY created_at, id`,
      )
    : [];
  const incomplete = (await tableExists(q, incompleteTable))
    ? await q.query<{
        module: string;
        tag: string;
        direction: 'up' | 'down';
        status: 'running' | 'failed';
        statement_index: number;
        statement_count: number;
        error: string | null;
      }>(`SELECT * FROM ${incompleteTable} WHERE module = $1 ORDER BY tag`, [source.name])
    : [];
  return planState(
    source,
    files,
    rows.map((row) => ({ id: Number(row.id), hash: row.hash, createdAt: Number(row.created_at) })),
    incomplete.map((row) => ({
      module: row.module,
      tag: row.tag,
      direction: row.direction,
      status: row.status,
      statementIndex: row.statement_index,
      statementCount: row.statement_count,
      error: row.error,
    })),
  );
}

/** Matches rows to files by `when` (what drizzle compares) and checks each. */
export function planState(
  source: MigrationSource,
  files: MigrationFile[],
  rows: AppliedRow[],
  incomplete: IncompleteRow[],
): ModuleState {
  const byWhen = new Map(files.map((file) => [file.when, file]));
  const applied: ModuleState['applied'] = [];
  const tampered: MigrationFile[] = [];
  const orphanRows: AppliedRow[] = [];
  for (const row of rows) {
    const file = byWhen.get(row.createdAt);
    if (!file) orphanRows.push(row);
    else {
      applied.push({ file, row });
      if (!file.acceptedHashes.includes(row.hash)) tampered.push(file);
    }
  }
  const appliedFiles = new Set(applied.map((entry) => entry.file));
  const newest = Math.max(-Infinity, ...rows.map((row) => row.createdAt));
  const notApplied = files.filter((file) => !appliedFiles.has(file));
  return {
    source,
    files,
    applied,
    pending: notApplied.filter((file) => file.when > newest),
    tampered,
    orphanRows,
    outOfOrder: notApplied.filter((file) => file.when <= newest),
    incomplete,
  };
}

/** Why the runner must not touch this module, one sentence each; empty when it may. */
export function problemsOf(state: ModuleState): string[] {
  const { source } = state;
  const problems: string[] = [];
  for (const file of state.tampered) {
    problems.push(
      `${source.name}/${file.tag}.sql changed after it was applied (its sha256 no longer matches the database's record). ` +
        'Restore the applied version and put the change in a new migration.',
    );
  }
  for (const row of state.orphanRows) {
    problems.push(
      `${source.name}: the database records a migration (created_at ${row.createdAt}, sha256 ${row.hash.slice(0, 12)}…) ` +
        `that is not in ${source.folder}/meta/_journal.json. Restore its file, or roll it back with the code that applied it.`,
    );
  }
  for (const file of state.outOfOrder) {
    problems.push(
      `${source.name}/${file.tag}.sql is not applied but sorts before the newest applied migration; ` +
        'drizzle would skip it. Regenerate it after the applied ones (new name, later "when").',
    );
  }
  for (const row of state.incomplete) {
    problems.push(incompleteMessage(row));
  }
  return problems;
}

export function incompleteMessage(row: IncompleteRow): string {
  const id = `${row.module}/${row.tag}`;
  const what = row.status === 'running' ? 'was interrupted' : 'failed';
  const file = `${row.tag}${row.direction === 'down' ? '.down' : ''}.sql`;
  return (
    `${row.module}/${file} ${what} at statement ${row.statementIndex} of ${row.statementCount}` +
    `${row.error ? ` (${row.error})` : ''}. It runs outside a transaction, so the statements before it stay done. ` +
    `Fix the cause, then run \`rag-chat-db resolve ${id} --retry\` to resume it at statement ${Math.max(row.statementIndex, 1)} ` +
    `(\`--restart\` runs it from its first statement on the next run: make it safe to run again first, IF NOT EXISTS / IF EXISTS); ` +
    `or finish it by hand and run \`rag-chat-db resolve ${id} --mark-${row.direction === 'up' ? 'applied' : 'rolled-back'}\`.`
  );
}
