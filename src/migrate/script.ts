/**
 * The raw SQL workflow: the statements a run sends, as one script for
 * `psql -f` (`rag-chat-db script`, `rag-chat-db init --dry-run`). A DBA who
 * applies it leaves a database the CLI recognises: each file runs as the
 * runner runs it (in a transaction with its journal row, or statement by
 * statement for a no-transaction file, its journal row after), under the
 * runner's advisory lock and lock_timeout, and only if its journal row is
 * not there yet, so running the script twice, or after `init`, applies
 * nothing again.
 */
import type { MigrationFile, MigrationSource } from './files.ts';
import { migrationLockKey } from './lock.ts';
import { migrationsSchema } from './modules.ts';
import { defaultLockTimeoutMs } from './runner.ts';
import { journalTable } from './state.ts';

export interface ScriptPart {
  source: MigrationSource;
  /** The files to write, oldest first. */
  files: readonly MigrationFile[];
}

export interface ScriptOptions {
  /** lock_timeout for every statement, in ms (the runner's default when absent). */
  lockTimeoutMs?: number;
  /** statement_timeout for every statement, in ms (the server's setting when absent). */
  statementTimeoutMs?: number;
  /** A first comment line saying what the script is for. */
  title?: string;
}

/** A statement as psql needs it: ended by a semicolon. */
const terminated = (statement: string) => (/;\s*$/.test(statement) ? statement.trimEnd() : `${statement.trimEnd()};`);
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The psql script applying `parts` in order. */
export function migrationScript(parts: readonly ScriptPart[], options: ScriptOptions = {}): string {
  const lockTimeout = literal(String(options.lockTimeoutMs ?? defaultLockTimeoutMs));
  const files = parts.flatMap((part) => part.files.map((file) => ({ source: part.source, file })));
  const lines = [
    `-- ${options.title ?? `rag-chat-db: ${files.length} migration${files.length === 1 ? '' : 's'}`}`,
    '-- Apply with: psql "$DATABASE_URL" -f <this file>   (psql 10 or later)',
    '-- Each migration runs only if its journal row is missing, so a second run applies nothing.',
    '\\set ON_ERROR_STOP on',
    '',
    `CREATE SCHEMA IF NOT EXISTS "${migrationsSchema}";`,
    ...parts.map(({ source }) => `CREATE TABLE IF NOT EXISTS ${journalTable(source)} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);`),
    // Tried, not waited for (as the runner does): a script waiting in pg_advisory_lock while a CLI run builds an
    // index CONCURRENTLY would deadlock with it. ON_ERROR_STOP ends the script on the exception.
    '-- The lock rag-chat-db runs take: no CLI run interleaves with this script. Held by another run: stop, run again later.',
    `DO $$ BEGIN IF NOT pg_try_advisory_lock(${migrationLockKey}::bigint) THEN RAISE EXCEPTION 'another rag-chat-db run holds the migration lock; run this script again when it has finished'; END IF; END $$;`,
  ];
  const statementTimeout = options.statementTimeoutMs === undefined ? [] : [`SET statement_timeout = ${literal(String(options.statementTimeoutMs))};`];
  lines.push(...statementTimeout);
  for (const { source, file } of files) {
    const record = `INSERT INTO ${journalTable(source)} ("hash", "created_at") VALUES (${literal(file.hash)}, ${file.when});`;
    lines.push(
      '',
      `-- ${source.name}/${file.tag}${file.up.noTransaction ? ' (no transaction: statement by statement)' : ''}`,
      `SELECT NOT EXISTS (SELECT 1 FROM ${journalTable(source)} WHERE created_at = ${file.when}) AS pending \\gset`,
      '\\if :pending',
    );
    if (file.up.noTransaction) {
      lines.push(`SET lock_timeout = ${lockTimeout};`, ...file.up.statements.map(terminated), 'RESET lock_timeout;', record);
    } else {
      lines.push('BEGIN;', `SET LOCAL lock_timeout = ${lockTimeout};`, ...file.up.statements.map(terminated), record, 'COMMIT;');
    }
    lines.push('\\endif');
  }
  if (statementTimeout.length > 0) lines.push('', 'RESET statement_timeout;');
  lines.push('', `SELECT pg_advisory_unlock(${migrationLockKey}::bigint);`, '');
  return lines.join('\n');
}
