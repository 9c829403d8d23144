/** Limits as part of the validators' construction (createValidators), and the JSON object check, through the helpers' own input schemas. */
import { describe, expect, test } from 'vitest';
import {
  addMessageInput,
  createSessionInput,
  createValidators,
  defaultLimits,
  type Limits,
  limits,
  setLimits,
  type Validators,
} from '../../src/validators/index.ts';

const ids = { sessionId: '7f9c0b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f', userId: '2b1c7a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' };
const messageId = '3c2d8b4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';

/** For each limit, an input over `n` of it, through a schema it governs (every schema that reads the limit is listed). */
const over: Record<keyof Limits, [(v: Validators, n: number) => { success: boolean }][number][]> = {
  email: [
    (v, n) => v.createUserInput.safeParse({ email: `${'a'.repeat(n)}@x.io` }),
    (v, n) => v.findUserByEmailInput.safeParse({ email: `${'a'.repeat(n)}@x.io` }),
    (v, n) => v.updateUserInput.safeParse({ userId: ids.userId, email: `${'a'.repeat(n)}@x.io` }),
  ],
  shortText: [
    (v, n) => v.createUserInput.safeParse({ email: 'a@x.io', displayName: 'x'.repeat(n + 1) }),
    (v, n) => v.setFeedbackInput.safeParse({ messageId, userId: ids.userId, rating: 'up', reason: 'x'.repeat(n + 1) }),
    (v, n) => v.searchMessagesInput.safeParse({ userId: ids.userId, query: 'x'.repeat(n + 1) }),
    (v, n) => v.listMessagesCitingDocumentInput.safeParse({ userId: ids.userId, documentId: 'x'.repeat(n + 1) }),
    (v, n) => v.citationInput.safeParse({ documentId: 'x'.repeat(n + 1), citationIndex: 1 }),
    (v, n) => v.upsertProfileInput.safeParse({ userId: ids.userId, preferredLanguage: languageTagLongerThan(n) }),
  ],
  title: [
    (v, n) => v.createSessionInput.safeParse({ userId: ids.userId, title: 'x'.repeat(n + 1) }),
    (v, n) => v.renameSessionInput.safeParse({ ...ids, title: 'x'.repeat(n + 1) }),
    (v, n) => v.citationInput.safeParse({ documentId: 'd', citationIndex: 1, title: 'x'.repeat(n + 1) }),
  ],
  url: [(v, n) => v.citationInput.safeParse({ documentId: 'd', citationIndex: 1, url: 'x'.repeat(n + 1) })],
  content: [(v, n) => v.addMessageInput.safeParse({ ...ids, role: 'user', content: 'x'.repeat(n + 1) })],
  selectedText: [(v, n) => v.addMessageInput.safeParse({ ...ids, role: 'user', content: 'c', selectedText: 'x'.repeat(n + 1) })],
  snippet: [(v, n) => v.citationInput.safeParse({ documentId: 'd', citationIndex: 1, snippet: 'x'.repeat(n + 1) })],
  profileText: [(v, n) => v.upsertProfileInput.safeParse({ userId: ids.userId, softwareBackground: 'x'.repeat(n + 1) })],
  comment: [(v, n) => v.setFeedbackInput.safeParse({ messageId, userId: ids.userId, rating: 'up', comment: 'x'.repeat(n + 1) })],
  citations: [
    (v, n) =>
      v.addMessageInput.safeParse({ ...ids, role: 'assistant', content: 'c', citations: Array.from({ length: n + 1 }, (_, i) => ({ documentId: 'd', citationIndex: i + 1 })) }),
  ],
  jsonDepth: [
    (v, n) => v.createSessionInput.safeParse({ userId: ids.userId, metadata: nested(n + 1) }),
    (v, n) => v.upsertProfileInput.safeParse({ userId: ids.userId, extras: nested(n + 1) }),
    (v, n) => v.mergeMessageMetadataInput.safeParse({ messageId, userId: ids.userId, metadata: nested(n + 1) }),
  ],
  jsonBytes: [
    (v, n) => v.mergeSessionMetadataInput.safeParse({ ...ids, metadata: { t: 'x'.repeat(n) } }),
    (v, n) => v.addMessageInput.safeParse({ ...ids, role: 'user', content: 'c', metadata: { t: 'x'.repeat(n) } }),
  ],
  page: [
    (v, n) => v.listSessionsInput.safeParse({ userId: ids.userId, limit: n + 1 }),
    (v, n) => v.conversationInput.safeParse({ ...ids, limit: n + 1 }),
    (v, n) => v.searchMessagesInput.safeParse({ userId: ids.userId, query: 'q', limit: n + 1 }),
    (v, n) => v.exportUserDataInput.safeParse({ userId: ids.userId, pageSize: n + 1 }),
  ],
};
function languageTagLongerThan(length: number): string {
  let tag = 'en';
  while (tag.length <= length) tag += '-abcdefg';
  return tag;
}
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('createValidators({ limits })', () => {
  const small = 10;
  test.each(Object.keys(over) as (keyof Limits)[])('%s: every schema it governs follows the limit given, and only that set', (key) => {
    const strict = createValidators({ limits: { [key]: small } });
    expect(strict.limits[key]).toBe(small);
    for (const [index, parse] of over[key].entries()) {
      expect([key, index, parse(strict, small).success]).toEqual([key, index, false]);
      expect([key, index, parse(createValidators(), small).success]).toEqual([key, index, true]); // the defaults, untouched
    }
  });

  test('the issue\'s case: a 42-character email under { email: 20 }', () => {
    const email = `${'a'.repeat(36)}@x.io`;
    expect(email.length).toBeGreaterThan(40);
    expect(createValidators({ limits: { email: 20 } }).createUserInput.safeParse({ email }).success).toBe(false);
    expect(createValidators().createUserInput.safeParse({ email }).success).toBe(true);
  });

  test('the module-level schemas are the defaults, which are frozen', () => {
    expect(limits).toBe(defaultLimits);
    expect(Object.isFrozen(defaultLimits)).toBe(true);
    expect(createValidators().limits).toEqual(defaultLimits);
    const long = 'x'.repeat(defaultLimits.content + 1);
    expect(addMessageInput.safeParse({ ...ids, role: 'user', content: long }).success).toBe(false);
    expect(createValidators({ limits: { content: defaultLimits.content + 10 } }).addMessageInput.safeParse({ ...ids, role: 'user', content: long }).success).toBe(true);
    const refused = createValidators({ limits: { content: 5 } }).addMessageInput.safeParse({ ...ids, role: 'user', content: 'too long' });
    expect(refused.error?.issues[0]?.message).toBe('must be at most 5 characters');
  });

  test.each([{ contnet: 10 }, { content: 0 }, { content: 1.5 }])('refuses %j', (change) => {
    expect(() => createValidators({ limits: change as never })).toThrow(TypeError);
  });

  test('setLimits is gone: it throws, pointing to createValidators', () => {
    expect(() => setLimits({ content: 10 })).toThrow(/createValidators/);
  });
});

describe('metadata', () => {
  test.each([
    ['an array', [1], 'must be a JSON object'],
    ['a Date inside', { at: new Date() }, 'must hold only JSON values (no dates, maps or class instances)'],
    ['undefined inside', { a: undefined }, 'must hold only JSON values (no undefined, functions or bigints)'],
    ['a bigint inside', { n: 1n }, 'must hold only JSON values (no undefined, functions or bigints)'],
    ['NaN inside', { n: Number.NaN }, 'numbers must be finite'],
    ['a NUL in a key', { 'a\u0000': 1 }, 'keys must not contain NUL characters (Postgres cannot store them) or unpaired UTF-16 surrogates'],
  ])('%s is refused with a message saying why', (_name, metadata, message) => {
    const result = createSessionInput.safeParse({ userId: ids.userId, metadata });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  test('over the size limit is refused; a null-prototype object comes out as a plain copy', () => {
    expect(createValidators({ limits: { jsonBytes: 20 } }).createSessionInput.safeParse({ userId: ids.userId, metadata: { text: 'x'.repeat(30) } }).error?.issues[0]?.message).toBe(
      'must be at most 20 bytes as JSON',
    );
    const bare = Object.assign(Object.create(null), { a: 1 });
    const parsed = createSessionInput.parse({ userId: ids.userId, metadata: bare });
    expect(Object.getPrototypeOf(parsed.metadata)).toBe(Object.prototype);
    expect(parsed.metadata).toEqual({ a: 1 });
  });
});
