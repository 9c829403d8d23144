import { RagChatDbError } from '../errors.ts';

/** Nothing was run: the files or the database are in a state the runner will not touch. */
export class MigrationRefusedError extends RagChatDbError {
  override name = 'MigrationRefusedError';

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
    readonly module: string,
    readonly tag: string,
    readonly direction: 'up' | 'down',
    readonly statementIndex: number,
    readonly statementCount: number,
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
