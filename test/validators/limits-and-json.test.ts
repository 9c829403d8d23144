/** setLimits and the JSON object check, through the helpers' own input schemas. */
import { afterEach, describe, expect, test } from 'vitest';
import { addMessageInput, createSessionInput, limits, setLimits } from '../../src/validators/index.ts';

const ids = { sessionId: '7f9c0b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f', userId: '2b1c7a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' };
const defaults = { ...limits };
afterEach(() => setLimits(defaults));

describe('setLimits', () => {
  test('raises and lowers a limit for the schemas already built', () => {
    const long = 'x'.repeat(limits.content + 1);
    expect(addMessageInput.safeParse({ ...ids, role: 'user', content: long }).success).toBe(false);
    setLimits({ content: limits.content + 10 });
    expect(addMessageInput.safeParse({ ...ids, role: 'user', content: long }).success).toBe(true);
    setLimits({ content: 5 });
    const refused = addMessageInput.safeParse({ ...ids, role: 'user', content: 'too long' });
    expect(refused.error?.issues[0]?.message).toBe('must be at most 5 characters');
  });

  test.each([{ contnet: 10 }, { content: 0 }, { content: 1.5 }])('refuses %j', (change) => {
    expect(() => setLimits(change as never)).toThrow(TypeError);
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
    setLimits({ jsonBytes: 20 });
    expect(createSessionInput.safeParse({ userId: ids.userId, metadata: { text: 'x'.repeat(30) } }).error?.issues[0]?.message).toBe(
      'must be at most 20 bytes as JSON',
    );
    const bare = Object.assign(Object.create(null), { a: 1 });
    const parsed = createSessionInput.parse({ userId: ids.userId, metadata: bare });
    expect(Object.getPrototypeOf(parsed.metadata)).toBe(Object.prototype);
    expect(parsed.metadata).toEqual({ a: 1 });
  });
});
