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
import { MigrationFailedError, MigrationRefusedError } from './errors.ts';
import { type MigrationFile, type MigrationSource, readMigrations, type SqlFile } from './files.ts';
import { acquireMigrationLock } from './lock.ts';
import { assertWayBack } from './reversibility.ts';
import { ensureBookkeeping, incompleteTable, journalTable, type ModuleState, problemsOf, readState } from './state.ts';

export interface RunOptions {
  /** lock_timeout for every statement, in ms: a migration waiting on a busy table fails fast instead of stalling readers. */
  lockTimeoutMs?: number;
  /** How long to wait for another runner's lock, in ms. */
  waitMs?: number;
  /** Apply at most this many files (all pending when absent). */
  maxSteps?: number;
  /** Apply pending files up to and including this one (`module/tag`, or a tag only one module has). */
  to?: string;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'waiting'; holder: string | undefined }
  | { type: 'start'; module: string; tag: string; direction: 'up' | 'down'; noTransaction: boolean }
  | { type: 'done'; module: string; tag: string; direction: 'up' | 'down'; ms: number };

export interface Step {
  module: string;
  tag: string;
  ms: number;
}

export const defaultLockTimeoutMs = 5_000;
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
): Promise<void> {
  const sqlFile = direction === 'up' ? file.up : file.down!;
  const lockTimeout = String(options.lockTimeoutMs ?? defaultLockTimeoutMs);
  const record =
    direction === 'up'
      ? { sql: `INSERT INTO ${journalTable(source)} ("hash", "created_at") VALUES ($1, $2)`, params: [file.hash, file.when] }
      : { sql: `DELETE FROM ${journalTable(source)} WHERE created_at = $1`, params: [file.when] };

  if (!sqlFile.noTransaction) {
    let index = 0;
    try {
      await client.transaction(async (tx) => {
        await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [lockTimeout]);
        for (const statement of sqlFile.statements) {
          index++;
          await tx.query(statement);
        }
        await tx.query(record.sql, record.params);
      });
    } catch (error) {
      throw new MigrationFailedError(source.name, file.tag, direction, index, sqlFile.statements.length, false, error);
    }
    return;
  }

  await runWithoutTransaction(client, source, file, direction, sqlFile, lockTimeout, record);
}

async function runWithoutTransaction(
  client: MigrationClient,
  source: MigrationSource,
  file: MigrationFile,
  direction: 'up' | 'down',
  sqlFile: SqlFile,
  lockTimeout: string,
  record: { sql: string; params: unknown[] },
): Promise<void> {
  const count = sqlFile.statements.length;
  await client.query(
    `INSERT INTO ${incompleteTable} (module, tag, direction, status, statement_index, statement_count)
     VALUES ($1, $2, $3, 'running', 0, $4)`,
    [source.name, file.tag, direction, count],
  );
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [lockTimeout]);
  let index = 0;
  try {
    for (const statement of sqlFile.statements) {
      index++;
      await client.query(`UPDATE ${incompleteTable} SET statement_index = $3, updated_at = now() WHERE module = $1 AND tag = $2`, [
        source.name,
        file.tag,
        index,
      ]);
      await client.query(statement);
    }
  } catch (error) {
    await client.query(
      `UPDATE ${incompleteTable} SET status = 'failed', error = $3, updated_at = now() WHERE module = $1 AND tag = $2`,
      [source.name, file.tag, String((error as Error).message ?? error)],
    );
    await dropInvalidIndexes(client, sqlFile.statements[index - 1]!);
    throw new MigrationFailedError(source.name, file.tag, direction, index, count, true, error);
  } finally {
    await client.query('RESET lock_timeout');
  }
  await client.transaction(async (tx) => {
    await tx.query(record.sql, record.params);
    await tx.query(`DELETE FROM ${incompleteTable} WHERE module = $1 AND tag = $2`, [source.name, file.tag]);
  });
}

const createIndexConcurrently =
  /CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?)/i;

/** A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind; drop it so a retry can build it again. */
export async function dropInvalidIndexes(q: Queryable, statement: string): Promise<string[]> {
  const name = createIndexConcurrently.exec(statement)?.[1];
  if (!name) return [];
  const rows = await q.query<{ index: string }>(
    'SELECT indexrelid::regclass::text AS index FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid',
    [name],
  );
  for (const row of rows) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${row.index}`);
  return rows.map((row) => row.index);
}

export type ResolveAction = 'retry' | 'mark-applied' | 'mark-rolled-back';

/**
 * Clears the record of a failed or interrupted no-transaction file:
 * `retry` to run it again from its first statement, `mark-applied` /
 * `mark-rolled-back` when it was finished by hand.
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
    if (row.statementIndex > 0 && file) {
      const sqlFile = row.direction === 'up' ? file.up : file.down;
      const statement = sqlFile?.statements[row.statementIndex - 1];
      if (statement) await dropInvalidIndexes(client, statement);
    }
    const expected = row.direction === 'up' ? 'mark-applied' : 'mark-rolled-back';
    if (action !== 'retry' && action !== expected) {
      throw new MigrationRefusedError([`${source.name}/${tag} stopped while ${row.direction === 'up' ? 'applying' : 'rolling back'}: use --retry or --${expected}.`]);
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
    return action === 'retry'
      ? `${source.name}/${tag}: cleared; the next run applies it again from its first statement.`
      : `${source.name}/${tag}: recorded as ${action === 'mark-applied' ? 'applied' : 'rolled back'}.`;
  } finally {
    await release();
  }
}
