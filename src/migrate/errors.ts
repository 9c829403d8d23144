import { RagChatDbError } from '../errors.ts';

/** Nothing was run: the files or the database are in a state the runner will not touch. */
export class MigrationRefusedError extends RagChatDbError {
  override name = 'MigrationRefusedError';

  /** What is wrong, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], code = 'MIGRATION_REFUSED') {
    super(code, problems.length === 1 ? problems[0]! : `${problems.length} problems:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/**
 * Nothing was run: a file to apply has no way back. It has no down file, or
 * only a draft, and does not declare itself irreversible with a reason.
 * `files` names them, `<module>/<tag>`.
 */
export class NoWayBackError extends MigrationRefusedError {
  override name = 'NoWayBackError';

  constructor(
    /** The files without a way back, as `<module>/<tag>`. */
    readonly files: readonly string[],
    problems: readonly string[],
  ) {
    super(problems, 'MIGRATION_NO_WAY_BACK');
  }
}

/** A statement failed. Files before it stay applied; a transactional file left nothing behind. */
export class MigrationFailedError extends RagChatDbError {
  override name = 'MigrationFailedError';

  constructor(
    /** The module of the failing file. */
    readonly module: string,
    /** The failing file's tag (`0003_add_timezone`). */
    readonly tag: string,
    /** `up` when applying, `down` when rolling back. */
    readonly direction: 'up' | 'down',
    /** Which statement of the file failed, from 1. */
    readonly statementIndex: number,
    /** How many statements the file has. */
    readonly statementCount: number,
    /** A no-transaction file: the statements before the failing one stay done (see `rag-chat-db resolve`). */
    readonly noTransaction: boolean,
    cause: unknown,
  ) {
    const error = cause as { message?: string; detail?: string; hint?: string; code?: string };
    const where = `${module}/${tag}${direction === 'down' ? '.down' : ''}.sql, statement ${statementIndex} of ${statementCount}`;
    const details = [error.detail, error.hint].filter(Boolean).join(' ');
    super('MIGRATION_FAILED', `${where} failed: ${error.message ?? String(cause)}${details ? ` (${details})` : ''}`, { cause });
  }

  /** The SQLSTATE of the failing statement, if Postgres gave one. */
  get sqlState(): string | undefined {
    return (this.cause as { code?: string } | undefined)?.code;
  }
}

/**
 * A statement kept hitting lock_timeout (SQLSTATE 55P03): another
 * transaction held a lock it needs through every attempt. Not a broken
 * migration: run it again when the table is quieter. The CLI exits 5.
 */
export class MigrationBlockedError extends MigrationFailedError {
  override name = 'MigrationBlockedError';

  override readonly code: string = 'MIGRATION_BLOCKED';

  constructor(
    module: string,
    tag: string,
    direction: 'up' | 'down',
    statementIndex: number,
    statementCount: number,
    noTransaction: boolean,
    /** How many times the statement was tried. */
    readonly attempts: number,
    cause: unknown,
  ) {
    super(module, tag, direction, statementIndex, statementCount, noTransaction, cause);
    this.message +=
      `; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}. Another transaction holds a lock this migration needs: ` +
      'let it finish (pg_stat_activity shows it), then ' +
      (noTransaction ? `resume the file with rag-chat-db resolve ${module}/${tag} --retry` : 'run again') +
      ', or raise --lock-retries / --lock-timeout.';
  }
}

/** A migration run lost its database connection; `outcome` says what became of the file it was running. */
export class MigrationConnectionLostError extends RagChatDbError {
  override name = 'MigrationConnectionLostError';

  constructor(
    /** The module of the file that was running. */
    readonly module: string,
    /** The tag of the file that was running. */
    readonly tag: string,
    /** `up` when applying, `down` when rolling back. */
    readonly direction: 'up' | 'down',
    /** What became of the file: `not-run` (rolled back), `partly-run` (a no-transaction file, stopped midway), `unknown` (lost while committing). */
    readonly outcome: 'not-run' | 'partly-run' | 'unknown',
    cause: unknown,
  ) {
    const file = `${module}/${tag}${direction === 'down' ? '.down' : ''}.sql`;
    const done = direction === 'up' ? 'applied' : 'rolled back';
    const what = {
      'not-run': `it was not ${done} (its transaction was rolled back); run the command again`,
      'partly-run': `it was partly ${done} (a no-transaction file: the statements before the one running stay done); the next run names the statement and how to resolve it`,
      unknown: `the connection broke while it was committing, so whether it was ${done} is unknown; \`rag-chat-db status\` says`,
    }[outcome];
    super('MIGRATION_CONNECTION_LOST', `lost the database connection during ${file}: ${what} (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

/** Another runner held the migration lock for longer than we were willing to wait. */
export class MigrationLockTimeoutError extends RagChatDbError {
  override name = 'MigrationLockTimeoutError';

  constructor(waitedMs: number, holder: string | undefined) {
    super(
      'MIGRATION_LOCK_TIMEOUT',
      `Another migration run holds the lock on this database${holder ? ` (${holder})` : ''}; gave up after ${Math.round(waitedMs / 1000)} s. ` +
        'Let it finish, or raise the wait with --wait.',
    );
  }
}

const connectionLostCodes = new Set([
  'CONNECTION_CLOSED', // postgres.js: the socket closed
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01', // admin_shutdown: pg_terminate_backend, a server shutting down
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/** Whether `error` says the connection is gone (not that a statement failed on a live one). */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (connectionLostCodes.has(code) || code.startsWith('08'));
}
