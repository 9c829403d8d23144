/**
 * The validators use standard APIs (TextEncoder, btoa / atob) instead of
 * Node's Buffer, so they run in workers: these properties check they agree
 * with what Buffer did, byte for byte.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { defaultLimits, jsonObjectSchemaOf } from '../../src/validators/common.ts';
import { encodeCursor, messageCursor, sessionCursor } from '../../src/validators/cursors.ts';


test('encodeCursor is the base64url of the UTF-8 JSON, as Buffer wrote it', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string(), fc.integer())), (position) => {
      expect(encodeCursor(position)).toBe(Buffer.from(JSON.stringify(position)).toString('base64url'));
    }),
  );
});

test('a cursor round-trips, and anything else is refused', () => {
  const session = ['2026-01-01T00:00:00.123456+00:00', '00000000-0000-4000-8000-000000000000'];
  expect(sessionCursor.parse(encodeCursor(session))).toEqual(session);
  expect(messageCursor.parse(encodeCursor([42]))).toEqual([42]);
  for (const forged of [encodeCursor([42]) + '=', encodeCursor([42]).replace(/.$/, '+'), '!!!', '', '_-_-', encodeCursor([0])]) {
    expect(messageCursor.safeParse(forged).success).toBe(false);
  }
});

test('the JSON size limit counts UTF-8 bytes as Buffer.byteLength does, surrogates and all', () => {
  const jsonObjectSchema = jsonObjectSchemaOf({ ...defaultLimits, jsonBytes: 60 });
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '€', '😀', '\u{10FFFF}'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 40 });
  fc.assert(
    fc.property(text, (value) => {
      const object = { k: value };
      const fits = Buffer.byteLength(JSON.stringify(object)) <= 60;
      const lone = /[\uD800-\uDFFF]/.test(value.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
      // NUL and lone surrogates are refused for their own reason; everything else by size alone.
      if (!lone && !value.includes('\u0000')) expect(jsonObjectSchema.safeParse(object).success).toBe(fits);
    }),
    { numRuns: 2_000 },
  );
});
