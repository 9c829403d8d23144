/**
 * The one place where driver errors become this library's errors. drizzle
 * wraps driver errors in a DrizzleQueryError whose message holds the bound
 * parameters (user text); we unwrap to the driver's error and never copy
 * parameters into a message.
 */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { ConflictError, DatabaseError, NotFoundError, RagChatDbError, ValidationError } from '../errors.ts';

interface DriverError extends Error {
  code?: string;
  constraint_name?: string;
  constraint?: string;
  table_name?: string;
  table?: string;
}

const retryableStates = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/** What postgres.js attaches to its errors that may hold user text: the bound values. */
const boundValueKeys = new Set(['parameters', 'args', 'params', 'types']);

/**
 * The driver's error, as the `cause` we keep: same class, message, SQLSTATE
 * and diagnostics (detail, hint, constraint, table, ...), without the bound
 * values postgres.js attaches (it makes them non-deletable, so we copy).
 */
function driverErrorOf(error: unknown): DriverError {
  let current = error;
  while (current instanceof DrizzleQueryError && current.cause) current = current.cause;
  if (!(current instanceof Error) || !Object.getOwnPropertyNames(current).some((key) => boundValueKeys.has(key))) {
    return current as DriverError;
  }
  const copy = Object.create(Object.getPrototypeOf(current)) as DriverError;
  for (const key of Object.getOwnPropertyNames(current)) {
    if (!boundValueKeys.has(key)) {
      Object.defineProperty(copy, key, { ...Object.getOwnPropertyDescriptor(current, key)!, configurable: true });
    }
  }
  return copy;
}

/** Maps any error thrown by a query to a RagChatDbError (already-mapped errors pass through). */
export function toLibraryError(error: unknown, entity = 'row'): RagChatDbError {
  if (error instanceof RagChatDbError) return error;
  const driver = driverErrorOf(error);
  const code = driver?.code;
  const constraint = driver?.constraint_name ?? driver?.constraint;
  const options = { cause: driver };
  switch (code) {
    case '23505':
      return new ConflictError(`${constraint ? conflictMessages[constraint] ?? `duplicate value for ${constraint}` : 'duplicate value'}`, constraint, options);
    case '23503':
      return new NotFoundError(entity, options);
    case '23514':
    case '23502':
    case '22P02':
    case '22P05':
    case '22021':
    case '22001':
    case '22003':
    case '54000':
      return new ValidationError([{ path: [], message: `rejected by the database (SQLSTATE ${code}${constraint ? `, ${constraint}` : ''})` }], options);
  }
  const retryable = (code !== undefined && retryableStates.has(code)) || (code !== undefined && connectionCodes.has(code));
  const what = connectionCodes.has(code ?? '') ? 'database connection failed' : 'database error';
  return new DatabaseError(`${what}${code ? ` (${code})` : ''}: ${driver?.message ?? String(error)}`, code, retryable, options);
}

const conflictMessages: Record<string, string> = {
  users_email_lower_idx: 'a user with this email already exists',
  message_citations_message_id_citation_index_key: 'two citations of one message have the same citation_index',
  message_feedback_message_id_user_id_key: 'this user already rated this message',
  user_profiles_pkey: 'this user already has a profile',
};

/** Runs a query and maps what it throws. */
export async function mapped<T>(entity: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toLibraryError(error, entity);
  }
}
