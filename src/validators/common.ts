/**
 * What every input must satisfy to be stored and read back unchanged:
 * Postgres `text` and `jsonb` cannot hold a NUL character (it would fail
 * inside the driver with an obscure error), and a lone UTF-16 surrogate has
 * no UTF-8 encoding (the driver would silently replace it).
 */
import { z } from 'zod';

/** Upper bounds on input sizes, in UTF-16 code units (JavaScript string length). Change them with `setLimits`. */
export const limits = {
  email: 320,
  shortText: 200,
  title: 500,
  url: 2_048,
  /** Message content; Postgres caps a tsvector at 1 MB, which this keeps well below. */
  content: 100_000,
  selectedText: 20_000,
  snippet: 10_000,
  profileText: 2_000,
  comment: 5_000,
  /** Citations on one message. */
  citations: 100,
  /** Nesting depth of metadata objects. */
  jsonDepth: 32,
  /** Size of a metadata object, as JSON text. */
  jsonBytes: 64 * 1024,
  /** Rows in one page of a list. */
  page: 500,
};
export type Limits = typeof limits;
export const defaultLimits = limits;

/** Raises or lowers the input limits for this process (for example `setLimits({ content: 400_000 })`). */
export function setLimits(changes: Partial<Limits>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (!(key in limits) || !Number.isInteger(value) || (value as number) < 1) {
      throw new TypeError(`setLimits: ${key} must be a known limit and a positive whole number`);
    }
    limits[key as keyof Limits] = value as number;
  }
}

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

const storableMessage = 'must not contain NUL characters (Postgres cannot store them) or unpaired UTF-16 surrogates';

/** A string schema narrowed to text Postgres stores unchanged. */
export function storableText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isStorableText, storableMessage) as T;
}

/** A string of at most `limits[key]` characters, read when parsing so `setLimits` applies. */
export function boundedText(key: keyof Limits, options: { min?: number } = {}) {
  return storableText(
    z.string().superRefine((value, ctx) => {
      if (options.min !== undefined && value.length < options.min) {
        ctx.addIssue({ code: 'too_small', origin: 'string', minimum: options.min, inclusive: true, input: value, message: 'must not be empty' });
      }
      if (value.length > limits[key]) {
        ctx.addIssue({ code: 'too_big', origin: 'string', maximum: limits[key], inclusive: true, input: value, message: `must be at most ${limits[key]} characters` });
      }
    }),
  );
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Why a value is not a storable JSON object, or undefined when it is. Walks
 * the value with an explicit stack, so a value nested 10,000 deep is refused
 * at the depth limit instead of overflowing the call stack.
 */
export function jsonObjectProblem(value: unknown): string | undefined {
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
  if (Buffer.byteLength(JSON.stringify(value)) > limits.jsonBytes) return `must be at most ${limits.jsonBytes} bytes as JSON`;
  return undefined;
}

/** A JSON object (never an array or a scalar), as the `metadata` and `extras` columns hold, of bounded depth and size. */
export const jsonObjectSchema = z
  .custom<{ [key: string]: JsonValue }>((value) => jsonObjectProblem(value) === undefined, {
    error: (issue) => jsonObjectProblem(issue.input) ?? 'must be a JSON object',
  })
  // A plain-object copy of exactly what will be stored (null-prototype objects included).
  .transform((value) => JSON.parse(JSON.stringify(value)) as { [key: string]: JsonValue });

/** A metadata patch: like a JSON object, where a `null` value removes the key. */
export const jsonPatchSchema = jsonObjectSchema;

/** A uuid in its canonical 8-4-4-4-12 form (any version, as Postgres accepts). */
export const idSchema = z.guid({ message: 'must be a uuid' });

/** Rows per page: 1 to `limits.page`. */
export const pageSizeSchema = z
  .number()
  .int()
  .min(1)
  .superRefine((value, ctx) => {
    if (value > limits.page) ctx.addIssue({ code: 'too_big', origin: 'number', maximum: limits.page, inclusive: true, input: value, message: `must be at most ${limits.page}` });
  });


/**
 * The moments a timestamp column takes from JavaScript: years 1 to 9999.
 * Outside them a Date's ISO text (`0000-…`, `+275760-…`) is not a timestamp
 * Postgres reads, so it is refused here rather than by the database.
 */
export const earliestInstant = new Date('0001-01-01T00:00:00.000Z');
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
