/**
 * The metadata size limit (limits.jsonBytes, 64 KB) holds for what is
 * stored, not only for each patch: merges that would grow the stored object
 * past it are ValidationErrors that store nothing.
 */
import { describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import { addMessage, createSession, mergeMessageMetadata, mergeSessionMetadata } from '../../src/queries/index.ts';
import { type JsonValue, limits } from '../../src/validators/common.ts';
import { useDatabase } from '../support/context.ts';
import { insertUser } from '../support/factories.ts';

const t = useDatabase();

/** A patch of about `kb` KB under one new key. */
const patch = (key: string, kb: number) => ({ [key]: 'x'.repeat(kb * 1024) });

async function target(kind: 'message' | 'session') {
  const userId = await insertUser(t.sql);
  const session = await createSession(t.api, { userId });
  if (kind === 'session') {
    return {
      merge: (metadata: Record<string, JsonValue>, user = userId) => mergeSessionMetadata(t.api, { sessionId: session.id, userId: user, metadata }),
      stored: async () => (await t.sql`SELECT metadata, octet_length(metadata::text) AS bytes FROM chat_sessions WHERE id = ${session.id}`)[0]!,
      set: (metadata: object) => t.sql`UPDATE chat_sessions SET metadata = ${t.sql.json(metadata as never)} WHERE id = ${session.id}`,
    };
  }
  const message = await addMessage(t.api, { sessionId: session.id, userId, role: 'assistant', content: 'a' });
  return {
    merge: (metadata: Record<string, JsonValue>, user = userId) => mergeMessageMetadata(t.api, { messageId: message.id, userId: user, metadata }),
    stored: async () => (await t.sql`SELECT metadata, octet_length(metadata::text) AS bytes FROM messages WHERE id = ${message.id}`)[0]!,
    set: (metadata: object) => t.sql`UPDATE messages SET metadata = ${t.sql.json(metadata as never)} WHERE id = ${message.id}`,
  };
}

describe.each(['message', 'session'] as const)('%s metadata merges', (kind) => {
  test('40 merges of 60 KB each: the first is stored, every later one is a ValidationError that stores nothing', async () => {
    const { merge, stored } = await target(kind);
    await merge(patch('k0', 60));
    const first = await stored();
    let refused = 0;
    for (let i = 1; i < 40; i++) {
      const error = await merge(patch(`k${i}`, 60)).then(() => undefined, (e: unknown) => e);
      if (error instanceof ValidationError) refused++;
      else throw error ?? new Error(`merge ${i} was stored`);
    }
    expect(refused).toBe(39);
    expect(await stored()).toEqual(first);
    expect(Number(first.bytes)).toBeLessThanOrEqual(limits.jsonBytes);
  });

  test('merges up to the limit pass; the one that would cross it names the limit', async () => {
    const { merge, stored } = await target(kind);
    await merge(patch('a', 30));
    await merge(patch('b', 30));
    const error = await merge(patch('c', 30)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ path: ['metadata'], message: expect.stringContaining(`${limits.jsonBytes} bytes`) }),
    ]);
    expect(Object.keys((await stored()).metadata).sort()).toEqual(['a', 'b']);
  });

  test('metadata already over the limit (stored before it was enforced) can shrink, but not grow', async () => {
    const { merge, stored, set } = await target(kind);
    await set({ ...patch('a', 50), ...patch('b', 50), ...patch('c', 50) });
    await expect(merge({ d: 1 })).rejects.toBeInstanceOf(ValidationError);
    await merge({ a: null });
    expect(Object.keys((await stored()).metadata).sort()).toEqual(['b', 'c']);
    await merge({ b: null, d: 1 });
    expect((await stored()).metadata).toEqual({ ...patch('c', 50), d: 1 });
  });

  test("another user's row is still NotFound, not a ValidationError", async () => {
    const { merge } = await target(kind);
    await expect(merge(patch('a', 1), await insertUser(t.sql))).rejects.toBeInstanceOf(NotFoundError);
    await expect(merge(patch('a', 70), await insertUser(t.sql))).rejects.toBeInstanceOf(ValidationError); // the patch alone is too big
  });
});
