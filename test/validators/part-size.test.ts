/**
 * A part's size, as the bounds read it, is the UTF-8 length of its JSON
 * (JSON.stringify's, undefined members left out), computed while the part is
 * walked rather than by serializing it. Checked through the public validator:
 * a part over its bound is refused with its size in the message.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { uiMessageInput, uiMessageLimits } from '../../src/validators/index.ts';

const bound = uiMessageLimits.other;
/** The size the validator reports for `part` (padded over the bound so it reports one). */
function reportedSize(part: Record<string, unknown>): number {
  const result = uiMessageInput.safeParse({ id: 'm', role: 'user', parts: [part] });
  expect(result.success).toBe(false);
  const message = result.error!.issues.map((issue) => issue.message).join('; ');
  const size = /\(it is (\d+)\)/.exec(message);
  expect(size, message).not.toBeNull();
  return Number(size![1]);
}

const storableString = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000') && s.isWellFormed());
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    storableString,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(storableString, fc.option(tie('value'), { nil: undefined }), { maxKeys: 4 }),
  ),
})).value;

test('the size of any storable part is the UTF-8 length of JSON.stringify of it', () => {
  fc.assert(
    fc.property(json, storableString, (value, text) => {
      const part = { type: 'x-custom', pad: 'p'.repeat(bound), text, value, skipped: undefined };
      expect(reportedSize(part)).toBe(Buffer.byteLength(JSON.stringify(part), 'utf8'));
    }),
    { numRuns: 300 },
  );
});

test('escapes, multi-byte text and surrogate pairs are counted as JSON writes them', () => {
  for (const text of ['"quoted" \\ back', '\b\f\n\r\t', '\u0001\u001f', 'é ü ß', '中文', '😀 emoji', '\u2028\u2029', '']) {
    const part = { type: 'x-custom', pad: 'p'.repeat(bound), text, nested: [{ [text]: -0 }, 1e21, 1.5e-7, true, false, null, []], empty: {} };
    expect(reportedSize(part)).toBe(Buffer.byteLength(JSON.stringify(part), 'utf8'));
  }
});
