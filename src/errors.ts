/**
 * Every error this library throws is a RagChatDbError with a stable `code`.
 * Messages never contain a password or a bound parameter; the underlying
 * driver error, when there is one, is kept as `cause`.
 */
export class RagChatDbError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A connection string or option that cannot be used safely (no TLS to a remote host, a pooler for migrations, ...). */
export class ConnectionConfigError extends RagChatDbError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONNECTION_CONFIG', message, options);
  }
}
