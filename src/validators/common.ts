/**
 * What every input must satisfy to be stored and read back unchanged:
 * Postgres `text` and `jsonb` cannot hold a NUL character (it would fail
 * inside the driver with an obscure error), and a lone UTF-16 surrogate has
 * no UTF-8 encoding (the driver would silently replace it).
 */
import { z } from 'zod';
import { userIdPattern } from '../schema/columns.ts';

/** Upper bounds on input sizes, in UTF-16 code units (JavaScript string length). */
export interface Limits {
  /** An email address. */
  email: number;
  /** Short texts: a display name, a feedback reason, a document or chunk id, a search query. */
  shortText: number;
  /** A session or citation title. */
  title: number;
  /** A citation URL. */
  url: number;
  /** Message content; Postgres caps a tsvector at 1 MB, which the default keeps well below. */
  content: number;
  /** The passage the reader highlighted. */
  selectedText: number;
  /** A citation snippet. */
  snippet: number;
  /** A profile's software and hardware background. */
  profileText: number;
  /** A feedback comment. */
  comment: number;
  /** Citations on one message. */
  citations: number;
  /** Nesting depth of metadata objects. */
  jsonDepth: number;
  /** Size of a metadata object, as JSON text. */
  jsonBytes: number;
  /** Rows in one page of a list. */
  page: number;
}

/** The limits the module-level validators and the helpers apply. Frozen: other limits are `createValidators({ limits })`. */
export const defaultLimits: Readonly<Limits> = Object.freeze({
  email: 320,
  shortText: 200,
  title: 500,
  url: 2_048,
  content: 100_000,
  selectedText: 20_000,
  snippet: 10_000,
  profileText: 2_000,
  comment: 5_000,
  citations: 100,
  jsonDepth: 32,
  jsonBytes: 64 * 1024,
  page: 500,
});

/** @deprecated The same object as `defaultLimits`. */
export const limits = defaultLimits;

/** The defaults with `changes` applied; TypeError for an unknown limit or one that is not a positive whole number. */
export function resolveLimits(changes: Partial<Limits> = {}): Readonly<Limits> {
  for (const [key, value] of Object.entries(changes)) {
    if (!(key in defaultLimits) || !Number.isInteger(value) || (value as number) < 1) {
      throw new TypeError(`limits: ${key} must be a known limit and a positive whole number`);
    }
  }
  return Object.freeze({ ...defaultLimits, ...changes });
}

/**
 * @deprecated Removed: limits were global mutable state that some fields
 * read and others did not. Build validators with other limits with
 * `createValidators({ limits })`; the helpers validate with `defaultLimits`.
 */
export function setLimits(_changes: Partial<Limits>): never {
  throw new TypeError('setLimits was removed: use createValidators({ limits }) (rag-chat-db/validators) to validate with other limits; see docs/conversations.md, "Validators and limits"');
}

/** Whether Postgres stores `value` unchanged as text: no NUL character and no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

const storableMessage = 'must not contain NUL characters (Postgres cannot store them) or unpaired UTF-16 surrogates';

/** A string schema narrowed to text Postgres stores unchanged. */
export function storableText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isStorableText, storableMessage) as T;
}

/** A string of at most `maximum` characters (one of the limits), storable; `min` for a non-empty one. */
export function boundedText(maximum: number, options: { min?: number } = {}) {
  return storableText(
    z.string().superRefine((value, ctx) => {
      if (options.min !== undefined && value.length < options.min) {
        ctx.addIssue({ code: 'too_small', origin: 'string', minimum: options.min, inclusive: true, input: value, message: 'must not be empty' });
      }
      if (value.length > maximum) {
        ctx.addIssue({ code: 'too_big', origin: 'string', maximum, inclusive: true, input: value, message: `must be at most ${maximum} characters` });
      }
    }),
  );
}

/** A JSON value: what a metadata object may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Why a value is not a storable JSON object, or undefined when it is. Walks
 * the value with an explicit stack, so a value nested 10,000 deep is refused
 * at the depth limit instead of overflowing the call stack.
 */
export function jsonObjectProblem(value: unknown, limits: Pick<Limits, 'jsonDepth' | 'jsonBytes'> = defaultLimits): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be a JSON object';
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isStorableText(node)) return `strings ${storableMessage}`;
    } else if (typeof node === 'number') {
      if (!Number.isFinite(node)) return 'numbers must be finite';
    } else if (node !== null && typeof node === 'object') {
      if (depth >= limits.jsonDepth) return `must be nested at most ${limits.jsonDepth} deep`;
      if (Array.isArray(node)) {
        for (const item of node) stack.push([item, depth + 1]);
      } else {
        const prototype = Object.getPrototypeOf(node);
        if (prototype !== Object.prototype && prototype !== null) return 'must hold only JSON values (no dates, maps or class instances)';
        for (const [key, item] of Object.entries(node)) {
          if (!isStorableText(key)) return `keys ${storableMessage}`;
          stack.push([item, depth + 1]);
        }
      }
    } else if (typeof node !== 'boolean' && node !== null) {
      return 'must hold only JSON values (no undefined, functions or bigints)';
    }
  }
  if (utf8LengthOver(JSON.stringify(value), limits.jsonBytes)) return `must be at most ${limits.jsonBytes} bytes as JSON`;
  return undefined;
}

/**
 * Whether `text` takes more than `max` bytes in UTF-8 (a lone surrogate
 * counts as the 3 bytes of U+FFFD, as Buffer.byteLength and TextEncoder
 * have it), without encoding it: every UTF-16 unit takes 1 to 3 bytes, so
 * only text between max / 3 and max units is counted.
 */
function utf8LengthOver(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes > max;
}

/** A JSON object (never an array or a scalar), as the `metadata` and `extras` columns hold, of bounded depth and size. */
export function jsonObjectSchemaOf(limits: Pick<Limits, 'jsonDepth' | 'jsonBytes'>) {
  return (
    z
      .custom<{ [key: string]: JsonValue }>((value) => jsonObjectProblem(value, limits) === undefined, {
        error: (issue) => jsonObjectProblem(issue.input, limits) ?? 'must be a JSON object',
      })
      // A plain-object copy of exactly what will be stored (null-prototype objects included).
      .transform((value) => JSON.parse(JSON.stringify(value)) as { [key: string]: JsonValue })
  );
}

/** A JSON object within the default limits. */
export const jsonObjectSchema = jsonObjectSchemaOf(defaultLimits);

/** A metadata patch: like a JSON object, where a `null` value removes the key. */
export const jsonPatchSchema = jsonObjectSchema;

/** A uuid in its canonical 8-4-4-4-12 form (any version, as Postgres accepts). */
export const idSchema = z.guid({ message: 'must be a uuid' });

/**
 * A user id: 1 to 255 printable ASCII characters without spaces (userIdPattern, the CHECK on every user id
 * column), so the ids of any auth provider fit: better-auth's, Clerk's `user_2…`, Auth0's `auth0|…`, WorkOS's
 * `user_01H…`, uuids. Compared exactly, case included.
 */
export const userIdSchema = z.string().regex(new RegExp(userIdPattern), { message: 'must be 1 to 255 printable ASCII characters without spaces' });

/** Rows per page: 1 to `limits.page`. */
export function pageSizeSchemaOf(limits: Pick<Limits, 'page'>) {
  return z.number().int().min(1).max(limits.page, { message: `must be at most ${limits.page}` });
}

/** Rows per page, 1 to the default limit. */
export const pageSizeSchema = pageSizeSchemaOf(defaultLimits);

/**
 * The moments a timestamp column takes from JavaScript: years 1 to 9999.
 * Outside them a Date's ISO text (`0000-…`, `+275760-…`) is not a timestamp
 * Postgres reads, so it is refused here rather than by the database.
 */
export const earliestInstant = new Date('0001-01-01T00:00:00.000Z');
/** The latest moment a timestamp column takes from JavaScript: the end of the year 9999 (see earliestInstant). */
export const latestInstant = new Date('9999-12-31T23:59:59.999Z');

/** A valid Date between earliestInstant and latestInstant. */
export const dateSchema = z
  .date()
  .min(earliestInstant, { message: 'must be in the years 1 to 9999' })
  .max(latestInstant, { message: 'must be in the years 1 to 9999' });

/** A moment: a Date, or an ISO 8601 string (as JSON APIs send), in the years 1 to 9999. */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value))
  .pipe(dateSchema);

/** A string of at most `maxLength` characters matching `pattern`; the length is checked first, so a huge input never reaches the regex. */
export function boundedPattern<T extends z.ZodType<string, string>>(maxLength: number, pattern: T): z.ZodPipe<z.ZodString, T> {
  return z.string().max(maxLength, { abort: true }).pipe(pattern);
}
