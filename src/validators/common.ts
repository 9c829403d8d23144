/**
 * What every text and JSON input must satisfy to be stored and read back
 * unchanged: Postgres `text` and `jsonb` cannot hold a NUL character, and a
 * lone UTF-16 surrogate has no UTF-8 encoding (the driver would replace it).
 */
import { z } from 'zod';

/** Upper bounds on input sizes, in UTF-16 code units (JavaScript string length). */
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
  /** Nesting depth of metadata objects. */
  jsonDepth: 32,
} as const;

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

const storableMessage = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** A string schema narrowed to text Postgres stores unchanged. */
export function storableText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isStorableText, storableMessage) as T;
}

/** True for JSON whose keys and strings are storable text, nested at most `limits.jsonDepth` deep. */
export function isStorableJson(value: unknown, depth = 0): boolean {
  if (depth > limits.jsonDepth) return false;
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every((item) => isStorableJson(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => isStorableText(key) && isStorableJson(item, depth + 1));
  }
  return true;
}

/** A JSON object (never an array or a scalar), as the `metadata` and `extras` columns hold. */
export const jsonObjectSchema = z
  .record(z.string(), z.json())
  .refine(isStorableJson, `must be nested at most ${limits.jsonDepth} deep and ${storableMessage}`);
