/**
 * Keyset cursors: the `nextCursor` a page returns and the next call takes
 * back, opaque to callers (base64url JSON of the position). The input
 * schemas decode and check them strictly, so a forged or damaged cursor is
 * a ValidationError before any SQL runs, never a database error quoting it.
 * A cursor is accepted only if it is exactly what encodeCursor would have
 * produced for a position of the right shape.
 */
import { z } from 'zod';
import { idSchema } from './common.ts';

export function encodeCursor(position: readonly (string | number)[]): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(position)));
}

// base64url over UTF-8 with standard APIs (btoa / atob, TextEncoder / TextDecoder), as in browsers and workers.
function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text a base64url string encodes, or undefined if it is not base64url of UTF-8 (encodeCursor's round trip is checked anyway). */
function fromBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

const notOurs = 'is not a cursor returned by this library';

function cursorOf<T extends z.ZodType<readonly (string | number)[]>>(position: T) {
  return z.string().transform((cursor, ctx): z.output<T> => {
    let decoded: unknown;
    try {
      const text = cursor.length <= 200 ? fromBase64Url(cursor) : undefined;
      decoded = text === undefined ? undefined : JSON.parse(text);
    } catch {
      decoded = undefined;
    }
    const parsed = position.safeParse(decoded);
    if (!parsed.success || encodeCursor(parsed.data) !== cursor) {
      ctx.addIssue({ code: 'custom', message: notOurs, input: cursor });
      return z.NEVER;
    }
    return parsed.data;
  });
}

/** A message's place in write order (`messages.seq`): a positive whole number. */
export const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const leapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number) => (month === 2 ? (leapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/**
 * A timestamptz exactly as `to_json(timestamptz) #>> '{}'` writes it (years 1 to 9999), every field in
 * range, so Postgres can never refuse it: `2026-01-01T00:00:00.123456+00:00`, `+05:30`, `-03:00:00`.
 */
export const timestampTextSchema = z.string().refine((text) => {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?[+-](\d\d):(\d\d)(?::(\d\d))?$/.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes, offsetSeconds] = match.slice(1).map((field) => Number(field ?? 0)) as number[];
  return (
    year! >= 1 && month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysIn(year!, month!) &&
    hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHours! <= 15 && offsetMinutes! <= 59 && offsetSeconds! <= 59
  );
});

/** A position in a session's messages, or among a user's messages: the `seq` of the last one shown. */
export const messageCursor = cursorOf(z.tuple([seqSchema]));

/** A position in a list of sessions: the sort key's exact timestamp text and the id that breaks ties. */
export const sessionCursor = cursorOf(z.tuple([timestampTextSchema, idSchema]));
