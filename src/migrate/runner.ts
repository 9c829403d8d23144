/**
 * Applying and rolling back migrations, safely:
 * - one runner at a time (lock.ts), state re-read once the lock is held;
 * - nothing runs while any file is tampered with, missing, out of order or
 *   left incomplete (state.ts);
 * - each file in its own transaction with its journal row, under a
 *   lock_timeout; no-transaction files statement by statement, with a record
 *   of where they stopped if they fail or the process dies.
 */
import type { MigrationClient, Queryable } from './client.ts';
import {
  isConnectionLost,
  MigrationBlockedError,
  MigrationConnectionLostError,
  MigrationFailedError,
  MigrationRefusedError,
} from './errors.ts';
import { type MigrationFile, type MigrationSource, readMigrations, type SqlFile } from './files.ts';
import { acquireMigrationLock } from './lock.ts';
import { assertWayBack } from './reversibility.ts';
import { attemptsOf, isLockTimeout, type LockRetryOptions, retryOnLockTimeout } from './retry.ts';
import { ensureBookkeeping, incompleteTable, journalTable, type ModuleState, problemsOf, readState } from './state.ts';

/** Options of the migration functions (migrate, rollback, resolve, applyMigrations, rollbackMigrations): timeouts, lock retries, how far to go, and progress. */
export interface RunOptions {
  /** lock_timeout for every statement, in ms: a migration waiting on a busy table fails fast instead of stalling readers. */
  lockTimeoutMs?: number;
  /** How long to wait for another runner's lock, in ms. */
  waitMs?: number;
  /** How many more times to try a file (a no-transaction file: its statement) that hit lock_timeout; 3 by default (retry.ts). */
  lockRetries?: number;
  /** The first backoff between those tries, in ms, doubled each time; 1000 by default. */
  lockRetryDelayMs?: number;
  /** statement_timeout for every migration statement, in ms; the server's setting when absent. */
  statementTimeoutMs?: number;
  /** Apply at most this many files (all pending when absent). */
  maxSteps?: number;
  /** Apply pending files up to and including this one (`module/tag`, or a tag only one module has). */
  to?: string;
  /** Told as the run goes: waiting for the lock, each file's start and end, retries. */
  onProgress?: (event: ProgressEvent) => void;
}

/** What onProgress is told: waiting for another runner's lock (and who holds it), a file starting, a retry after lock_timeout, a file done. */
export type ProgressEvent =
  | { type: 'waiting'; holder: string | undefined }
  | { type: 'start'; module: string; tag: string; direction: 'up' | 'down'; noTransaction: boolean }
  | { type: 'retry'; module: string; tag: string; direction: 'up' | 'down'; attempt: number; attempts: number; delayMs: number }
  | { type: 'done'; module: string; tag: string; direction: 'up' | 'down'; ms: number };

/** A migration file applied or rolled back, and how long it took. */
export interface Step {
  /** The module of the file. */
  module: string;
  /** The file's tag (`0000_init`). */
  tag: string;
  /** How long it took, in milliseconds. */
  ms: number;
}

/** The lock_timeout of every migration statement, in ms, by default (RunOptions.lockTimeoutMs). */
export const defaultLockTimeoutMs = 5_000;
/** How long a runner waits for another runner's lock, in ms, by default (RunOptions.waitMs). */
export const defaultWaitMs = 120_000;

/** Reads every source's state (read-only: creates nothing). */
export async function readStates(q: Queryable, sources: readonly MigrationSource[]): Promise<ModuleState[]> {
  const states: ModuleState[] = [];
  for (const source of sources) states.push(await readState(q, source, readMigrations(source)));
  return states;
}

/** Holds the migration lock around `fn`, with the bookkeeping tables in place and the state read afresh. */
async function underLock<T>(
  client: MigrationClient,
  sources: readonly MigrationSource[],
  options: RunOptions,
  fn: (states: ModuleState[]) => Promise<T>,
): Promise<T> {
  const release = await acquireMigrationLock(client, {
    waitMs: options.waitMs ?? defaultWaitMs,
    onWait: (holder) => options.onProgress?.({ type: 'waiting', holder }),
  });
  try {
    await ensureBookkeeping(client, sources);
    const states = await readStates(client, sources);
    const problems = states.flatMap(problemsOf);
    if (problems.length > 0) throw new MigrationRefusedError(problems);
    return await fn(states);
  } finally {
    await release();
  }
}

/** Applies every pending migration of the sources, in the order given (dependencies first). */
export async function applyMigrations(
  client: MigrationClient,
  sources: readonly MigrationSource[],
  options: RunOptions = {},
): Promise<Step[]> {
  return underLock(client, sources, options, async (states) => {
    const steps: Step[] = [];
    const all = states.flatMap((state) => state.pending.map((file) => ({ state, file })));
    const last = options.to === undefined ? all.length : pendingThrough(all.map(({ file }) => file), states, options.to);
    const pending = all.slice(0, Math.min(last, options.maxSteps ?? all.length));
    assertWayBack(pending.map(({ file }) => file));
    for (const { state, file } of pending) {
      {
        const started = performance.now();
        options.onProgress?.({ type: 'start', module: file.module, tag: file.tag, direction: 'up', noTransaction: file.up.noTransaction });
        await runFile(client, state.source, file, 'up', options);
        const ms = Math.round(performance.now() - started);
        options.onProgress?.({ type: 'done', module: file.module, tag: file.tag, direction: 'up', ms });
        steps.push({ module: file.module, tag: file.tag, ms });
      }
    }
    return steps;
  });
}

/** How many of the pending files `to` takes: up to and including it. Refused if it is not pending. */
function pendingThrough(pending: readonly MigrationFile[], states: readonly ModuleState[], to: string): number {
  const matches = (file: MigrationFile) => to === `${file.module}/${file.tag}` || to === file.tag;
  const index = pending.findIndex(matches);
  if (index === -1) {
    const applied = states.some((state) => state.applied.some(({ file }) => matches(file)));
    throw new MigrationRefusedError([
      applied ? `${to} is already applied.` : `${to} is not a pending migration; pending: ${pending.map((file) => `${file.module}/${file.tag}`).join(', ') || 'none'}.`,
    ]);
  }
  if (pending.filter(matches).length > 1) throw new MigrationRefusedError([`${to} names a migration of several modules: give it as module/tag.`]);
  return index + 1;
}

/** How far rollback goes: `{ steps: n }` files, `{ to: tag }` (which stays applied), or `{ all: true }`. */
export type RollbackTarget = { steps: number } | { to: string } | { all: true };

/**
 * Rolls back the newest applied migrations of one source, newest first.
 * `others` are the sources that may depend on it: rolling a source back
 * entirely while a dependent still has migrations applied is refused.
 */
export async function rollbackMigrations(
  client: MigrationClient,
  source: MigrationSource,
  target: RollbackTarget,
  others: readonly MigrationSource[] = [],
  options: RunOptions = {},
): Promise<Step[]> {
  const dependents = others.filter((other) => other.requires.includes(source.name));
  return underLock(client, [source, ...dependents], options, async ([state, ...dependentStates]) => {
    const newestFirst = [...state!.applied].reverse().map((entry) => entry.file);
    const chosen = chooseRollback(source.name, newestFirst, target);

    const problems: string[] = [];
    if (chosen.length === newestFirst.length && chosen.length > 0) {
      for (const dependent of dependentStates) {
        if (dependent.applied.length > 0) {
          problems.push(
            `${dependent.source.name} depends on ${source.name} and is installed; roll it back first ` +
              `(rag-chat-db rollback --module ${dependent.source.name} --all).`,
          );
        }
      }
    }
    for (const file of chosen) {
      if (!file.down) {
        const irreversible = file.up.irreversible ? `: it declares itself irreversible (${file.up.irreversible})` : '';
        problems.push(`${source.name}/${file.tag} has no down file (${file.downPath}), so it cannot be rolled back${irreversible}.`);
      } else if (file.down.draft) {
        problems.push(`${file.down.path} is still a draft: review it, then delete its "-- rag-chat-db: draft" line.`);
      }
    }
    if (problems.length > 0) throw new MigrationRefusedError(problems);

    const steps: Step[] = [];
    for (const file of chosen) {
      const started = performance.now();
      options.onProgress?.({ type: 'start', module: file.module, tag: file.tag, direction: 'down', noTransaction: file.down!.noTransaction });
      await runFile(client, source, file, 'down', options);
      const ms = Math.round(performance.now() - started);
      options.onProgress?.({ type: 'done', module: file.module, tag: file.tag, direction: 'down', ms });
      steps.push({ module: file.module, tag: file.tag, ms });
    }
    return steps;
  });
}

function chooseRollback(module: string, newestFirst: MigrationFile[], target: RollbackTarget): MigrationFile[] {
  if ('all' in target) return newestFirst;
  if ('steps' in target) {
    if (!Number.isInteger(target.steps) || target.steps < 1) {
      throw new MigrationRefusedError([`--steps must be a whole number of at least 1, not ${target.steps}.`]);
    }
    return newestFirst.slice(0, target.steps);
  }
  const index = newestFirst.findIndex((file) => file.tag === target.to);
  if (index === -1) {
    throw new MigrationRefusedError([
      `${module}/${target.to} is not an applied migration; applied: ${newestFirst.map((file) => file.tag).join(', ') || 'none'}.`,
    ]);
  }
  return newestFirst.slice(0, index);
}

async function runFile(
  client: MigrationClient,
  source: MigrationSource,
  file: MigrationFile,
  direction: 'up' | 'down',
  options: RunOptions,
  /** A no-transaction file resumed by `resolve --retry`: the statement (1-based) to start at; its record exists. */
  resumeAt?: number,
): Promise<void> {
  const sqlFile = direction === 'up' ? file.up : file.down!;
  const record =
    direction === 'up'
      ? { sql: `INSERT INTO ${journalTable(source)} ("hash", "created_at") VALUES ($1, $2)`, params: [file.hash, file.when] }
      : { sql: `DELETE FROM ${journalTable(source)} WHERE created_at = $1`, params: [file.when] };
  const retry: LockRetryOptions = {
    retries: options.lockRetries,
    delayMs: options.lockRetryDelayMs,
    onRetry: (attempt, of, delayMs) => {
      options.onProgress?.({ type: 'retry', module: file.module, tag: file.tag, direction, attempt, attempts: of, delayMs });
    },
  };
  const failure = (error: unknown, index: number, lost: MigrationConnectionLostError['outcome']) => {
    const count = sqlFile.statements.length;
    if (isConnectionLost(error)) return new MigrationConnectionLostError(source.name, file.tag, direction, lost, error);
    if (isLockTimeout(error)) {
      return new MigrationBlockedError(source.name, file.tag, direction, index, count, sqlFile.noTransaction, attemptsOf(error) ?? 1, error);
    }
    return new MigrationFailedError(source.name, file.tag, direction, index, count, sqlFile.noTransaction, error);
  };

  if (!sqlFile.noTransaction) {
    let index = 0;
    let committing = false;
    try {
      await retryOnLockTimeout(
        () =>
          client.transaction(async (tx) => {
            index = 0;
            for (const [name, value] of sessionSettings(options)) await tx.query('SELECT set_config($1, $2, true)', [name, value]);
            for (const statement of sqlFile.statements) {
              index++;
              await tx.query(statement);
            }
            await tx.query(record.sql, record.params);
            committing = true;
          }),
        retry,
      );
    } catch (error) {
      throw failure(error, index, committing ? 'unknown' : 'not-run');
    }
    return;
  }

  await runWithoutTransaction(client, source, file, direction, sqlFile, options, record, retry, failure, resumeAt);
}

/** lock_timeout always; statement_timeout when asked for. */
function sessionSettings(options: RunOptions): [string, string][] {
  const settings: [string, string][] = [['lock_timeout', String(options.lockTimeoutMs ?? defaultLockTimeoutMs)]];
  if (options.statementTimeoutMs !== undefined) settings.push(['statement_timeout', String(options.statementTimeoutMs)]);
  return settings;
}

async function runWithoutTransaction(
  client: MigrationClient,
  source: MigrationSource,
  file: MigrationFile,
  direction: 'up' | 'down',
  sqlFile: SqlFile,
  options: RunOptions,
  record: { sql: string; params: unknown[] },
  retry: LockRetryOptions,
  failure: (error: unknown, index: number, lost: MigrationConnectionLostError['outcome']) => Error,
  resumeAt?: number,
): Promise<void> {
  const count = sqlFile.statements.length;
  if (resumeAt === undefined) {
    await client.query(
      `INSERT INTO ${incompleteTable} (module, tag, direction, status, statement_index, statement_count)
       VALUES ($1, $2, $3, 'running', 0, $4)`,
      [source.name, file.tag, direction, count],
    );
  } else {
    await client.query(`UPDATE ${incompleteTable} SET status = 'running', error = NULL, updated_at = now() WHERE module = $1 AND tag = $2`, [
      source.name,
      file.tag,
    ]);
  }
  const settings = sessionSettings(options);
  for (const [name, value] of settings) await client.query('SELECT set_config($1, $2, false)', [name, value]);
  let index = (resumeAt ?? 1) - 1;
  try {
    for (const statement of sqlFile.statements.slice(index)) {
      index++;
      await client.query(`UPDATE ${incompleteTable} SET statement_index = $3, updated_at = now() WHERE module = $1 AND tag = $2`, [
        source.name,
        file.tag,
        index,
      ]);
      // A retry first drops the INVALID index a timed-out CREATE INDEX CONCURRENTLY left (IF NOT EXISTS would keep it).
      await retryOnLockTimeout(() => client.query(statement), { ...retry, beforeRetry: () => dropInvalidIndexes(client, statement, true) });
    }
  } catch (error) {
    // Connection gone: the record stays 'running', and the next run reports the file as interrupted at this statement.
    if (isConnectionLost(error)) throw failure(error, index, 'partly-run');
    const { left } = await dropInvalidIndexes(client, sqlFile.statements[index - 1]!);
    const leftNote = left.length
      ? `; it left the INVALID index ${left.map((entry) => `${entry.index} (not dropped: ${entry.reason})`).join(', ')}, ` +
        `which blocks a retry: DROP INDEX CONCURRENTLY IF EXISTS ${left.map((entry) => entry.index).join(', ')}`
      : '';
    const thrown = failure(error, index, 'partly-run');
    thrown.message += leftNote;
    await client
      .query(`UPDATE ${incompleteTable} SET status = 'failed', error = $3, updated_at = now() WHERE module = $1 AND tag = $2`, [
        source.name,
        file.tag,
        `${String((error as Error).message ?? error)}${leftNote}`,
      ])
      .catch(() => {}); // if this fails too, the record stays 'running': the next run still refuses, naming the statement
    throw thrown;
  } finally {
    for (const [name] of settings) await client.query(`RESET ${name}`).catch(() => {});
  }
  try {
    await client.transaction(async (tx) => {
      await tx.query(record.sql, record.params);
      await tx.query(`DELETE FROM ${incompleteTable} WHERE module = $1 AND tag = $2`, [source.name, file.tag]);
    });
  } catch (error) {
    throw failure(error, count, 'unknown');
  }
}

const createIndexConcurrently =
  /CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?)/i;

/**
 * A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind; drops
 * it so a retry can build it again. What cannot be dropped (a long
 * transaction on the table outlasts lock_timeout or statement_timeout) is
 * returned in `left`, or thrown when `strict`.
 */
export async function dropInvalidIndexes(
  q: Queryable,
  statement: string,
  strict = false,
): Promise<{ dropped: string[]; left: { index: string; reason: string }[] }> {
  const result = { dropped: [] as string[], left: [] as { index: string; reason: string }[] };
  const name = createIndexConcurrently.exec(statement)?.[1];
  if (!name) return result;
  try {
    const rows = await q.query<{ index: string }>(
      'SELECT indexrelid::regclass::text AS index FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid',
      [name],
    );
    for (const row of rows) {
      try {
        await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${row.index}`);
        result.dropped.push(row.index);
      } catch (error) {
        if (strict) throw error;
        result.left.push({ index: row.index, reason: (error as Error).message ?? String(error) });
      }
    }
  } catch (error) {
    if (strict) throw error;
    result.left.push({ index: name, reason: `could not check: ${(error as Error).message ?? String(error)}` });
  }
  return result;
}

/** How resolve settles a failed no-transaction file: `retry` from the failed statement, `restart` from the first, or `mark-applied` / `mark-rolled-back` when it was finished by hand. */
export type ResolveAction = 'retry' | 'restart' | 'mark-applied' | 'mark-rolled-back';

/**
 * Settles a failed or interrupted no-transaction file:
 * - `retry` resumes it now at the statement that failed (or was running),
 *   after dropping an INVALID index that statement left; the statements
 *   before it are not run again. Refused if the file's statement count
 *   changed since (statement N would be another statement): use `restart`.
 * - `restart` clears the record; the next run applies it from its first
 *   statement (which must then be safe to run again).
 * - `mark-applied` / `mark-rolled-back`: it was finished by hand.
 */
export async function resolveIncomplete(
  client: MigrationClient,
  source: MigrationSource,
  tag: string,
  action: ResolveAction,
  options: RunOptions = {},
): Promise<string> {
  const release = await acquireMigrationLock(client, { waitMs: options.waitMs ?? defaultWaitMs });
  try {
    await ensureBookkeeping(client, [source]);
    const state = await readState(client, source, readMigrations(source));
    const row = state.incomplete.find((candidate) => candidate.tag === tag);
    if (!row) throw new MigrationRefusedError([`${source.name}/${tag} has no failed or interrupted run to resolve.`]);
    const file = state.files.find((candidate) => candidate.tag === tag);
    const sqlFile = file && (row.direction === 'up' ? file.up : file.down);
    const expected = row.direction === 'up' ? 'mark-applied' : 'mark-rolled-back';
    if (action === 'mark-applied' || action === 'mark-rolled-back') {
      if (action !== expected) {
        throw new MigrationRefusedError([
          `${source.name}/${tag} stopped while ${row.direction === 'up' ? 'applying' : 'rolling back'}: use --retry, --restart or --${expected}.`,
        ]);
      }
    }
    const failedStatement = row.statementIndex > 0 ? sqlFile?.statements[row.statementIndex - 1] : undefined;
    if (failedStatement) {
      const { left } = await dropInvalidIndexes(client, failedStatement);
      if (left.length > 0 && (action === 'retry' || action === 'restart')) {
        throw new MigrationRefusedError([
          `${source.name}/${tag}: the INVALID index ${left.map((entry) => `${entry.index} (${entry.reason})`).join(', ')} left by statement ` +
            `${row.statementIndex} could not be dropped; a retry would skip it. Let the transactions on its table finish and resolve again.`,
        ]);
      }
    }

    if (action === 'retry') {
      if (!file || !sqlFile) throw new MigrationRefusedError([`${source.name}/${tag}: its ${row.direction === 'up' ? '' : 'down '}file is gone; restore it, or use --${expected}.`]);
      if (sqlFile.statements.length !== row.statementCount) {
        throw new MigrationRefusedError([
          `${source.name}/${tag}${row.direction === 'down' ? '.down' : ''}.sql now has ${sqlFile.statements.length} statements, not the ${row.statementCount} it had ` +
            `when statement ${row.statementIndex} failed, so it cannot be resumed there: use --restart to run it from its first statement on the next run.`,
        ]);
      }
      const others = problemsOf({ ...state, incomplete: state.incomplete.filter((candidate) => candidate !== row) });
      if (others.length > 0) throw new MigrationRefusedError(others);
      const resumeAt = Math.max(row.statementIndex, 1);
      const started = performance.now();
      await runFile(client, source, file, row.direction, options, resumeAt);
      options.onProgress?.({ type: 'done', module: file.module, tag, direction: row.direction, ms: Math.round(performance.now() - started) });
      return `${source.name}/${tag}: resumed at statement ${resumeAt} of ${row.statementCount}; ${row.direction === 'up' ? 'applied' : 'rolled back'}.`;
    }

    await client.transaction(async (tx) => {
      if (action === 'mark-applied' && file) {
        await tx.query(`INSERT INTO ${journalTable(source)} ("hash", "created_at") VALUES ($1, $2)`, [file.hash, file.when]);
      }
      if (action === 'mark-rolled-back' && file) {
        await tx.query(`DELETE FROM ${journalTable(source)} WHERE created_at = $1`, [file.when]);
      }
      await tx.query(`DELETE FROM ${incompleteTable} WHERE module = $1 AND tag = $2`, [source.name, tag]);
    });
    return action === 'restart'
      ? `${source.name}/${tag}: cleared; the next run applies it again from its first statement.`
      : `${source.name}/${tag}: recorded as ${action === 'mark-applied' ? 'applied' : 'rolled back'}.`;
  } finally {
    await release();
  }
}
