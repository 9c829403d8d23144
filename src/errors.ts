/**
 * Every error this library throws is a RagChatDbError with a stable `code`.
 * Messages never contain a password or a bound parameter; the underlying
 * driver error, when there is one, is kept as `cause`.
 */
export class RagChatDbError extends Error {
  /** Stable across versions, for handlers to switch on: `VALIDATION`, `NOT_FOUND`, `CONFLICT`, `DATABASE`, ... */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    // The class name, for subclasses of your own. Ours spell theirs out (`override name = 'NotFoundError'`):
    // a minifier renames classes, and in a bundled worker new.target.name was "jr".
    this.name = new.target.name;
    this.code = code;
  }
}

/** A connection string or option that cannot be used safely (no TLS to a remote host, a pooler for migrations, ...). */
export class ConnectionConfigError extends RagChatDbError {
  override name = 'ConnectionConfigError';

  constructor(message: string, options?: ErrorOptions) {
    super('CONNECTION_CONFIG', message, options);
  }
}

/** One problem with an input: where (`path`, as zod gives it) and what. */
export interface ValidationIssue {
  /** The path of the offending value in the input (`['citations', 0, 'url']`); empty for the input as a whole. */
  path: PropertyKey[];
  /** What is wrong, fit to show the person who gave the input. */
  message: string;
  /** zod's issue code (`too_big`, `invalid_type`, ...), when zod found the problem. */
  code?: string;
}

/** Input that fails the zod schemas (or a database check). `issues` says what and where. Nothing was written. */
export class ValidationError extends RagChatDbError {
  override name = 'ValidationError';

  /** Every problem found, with where it is. */
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    const summary = issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`)
      .join('; ');
    super('VALIDATION', `Invalid input: ${summary}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`, options);
    this.issues = issues;
  }
}

/** The row does not exist, or belongs to another user (the two are never told apart). */
export class NotFoundError extends RagChatDbError {
  override name = 'NotFoundError';

  constructor(
    /** What was looked for: `user`, `session`, `message`, `profile`, ... */
    readonly entity: string,
    options?: ErrorOptions) {
    super('NOT_FOUND', `${entity} not found`, options);
  }
}

/** A unique value is taken (an email, a citation number within a message, ...). */
export class ConflictError extends RagChatDbError {
  override name = 'ConflictError';

  constructor(
    message: string,
    /** The unique constraint or index that refused the value, when the database named it. */
    readonly constraint?: string,
    options?: ErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/**
 * appendToMessage or finishMessage on a message that is no longer
 * `streaming` (finished, aborted, errored, or never streamed): nothing was
 * written. `status` is the message's status. A ConflictError (code
 * `CONFLICT`), so handlers answering 409 to conflicts answer it alike.
 */
export class MessageNotStreamingError extends ConflictError {
  override name = 'MessageNotStreamingError';

  constructor(
    /** What the message is instead: its status (`complete`, `error`, `aborted`), or why it cannot stream (`a user message`, ...). */
    readonly status: string,
    options?: ErrorOptions) {
    super(`the message is not streaming (it is ${status}); nothing was written`, undefined, options);
  }
}

/**
 * Any other database failure. `cause` is the driver's error (SQLSTATE in
 * `sqlState`); the message never contains bound parameters. `retryable`
 * says whether running the same call again is safe and may succeed:
 * serialization failures, deadlocks, lock timeouts and lost connections
 * before the call could have committed.
 */
export class DatabaseError extends RagChatDbError {
  override name = 'DatabaseError';

  constructor(
    message: string,
    /** The SQLSTATE the database gave, if any (`40001`, `57P01`, ...). */
    readonly sqlState: string | undefined,
    /** Whether running the same call again is safe and may succeed. */
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super('DATABASE', message, options);
  }
}

/**
 * An optional peer dependency this call needs is not installed: postgres.js
 * (`connectForMigrations`, the CLI against `DATABASE_URL`) or PGlite
 * (`createEmbeddedDb`, `openEmbedded`, the CLI without `DATABASE_URL`). The
 * message says what to install; `packageName` names it. (`rag-chat-db/node`
 * imports postgres.js statically: without it, the import itself fails.)
 */
export class MissingDependencyError extends RagChatDbError {
  override name = 'MissingDependencyError';

  constructor(
    /** The npm package to install: `postgres`, `@electric-sql/pglite`, or `jiti` for a TypeScript config file. */
    readonly packageName: string,
    message: string, options?: ErrorOptions) {
    super('MISSING_DEPENDENCY', message, options);
  }
}

/**
 * The call needs something the database handle's driver cannot do, such as
 * an interactive transaction on Neon's HTTP driver. Refused before any SQL
 * runs, so nothing was written; the message names what to use instead.
 */
export class UnsupportedByDriverError extends RagChatDbError {
  override name = 'UnsupportedByDriverError';

  constructor(
    /** The driver of the database handle: `neon-http`. */
    readonly driver: string,
    message: string, options?: ErrorOptions) {
    super('UNSUPPORTED_BY_DRIVER', message, options);
  }
}

/** Another process has the embedded PGlite directory open (its lock file says which). */
export class EmbeddedDatabaseInUseError extends RagChatDbError {
  override name = 'EmbeddedDatabaseInUseError';

  constructor(
    /** The embedded database's directory. */
    readonly dir: string,
    /** The lock file in it, to delete by hand if its process is surely gone. */
    readonly lockFile: string,
    /** The process holding it, as its lock file says (undefined while that process is still writing the file). */
    readonly owner: { pid: number; host: string; since: string } | undefined,
  ) {
    const who = owner
      ? `process ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}, since ${owner.since}`
      : 'a process that is still writing its lock file';
    super(
      'EMBEDDED_DATABASE_IN_USE',
      `The embedded PGlite database in ${dir} is in use by ${who}; two processes on one directory corrupt it. ` +
        `Stop that process (or, if it is surely gone, delete ${lockFile}) and run again.`,
    );
  }
}
