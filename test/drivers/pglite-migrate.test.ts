/** migrate() given a PGlite drizzle instance or a PGlite client: how a `memory://` database, which nothing else can open, gets the schema. */
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { expect, test } from 'vitest';
import { migrate, scopes, status } from '../../src/migrate/index.ts';
import { createSession, createUser } from '../../src/queries/index.ts';
import * as schema from '../../src/schema/index.ts';

test.each(['drizzle instance', 'PGlite client'] as const)('migrate() takes a %s in memory, applies once, and leaves it open', async (given) => {
  const client = await PGlite.create('memory://');
  try {
    const db = drizzle({ client, schema });
    const target = given === 'drizzle instance' ? db : client;
    expect((await migrate(target)).length).toBeGreaterThan(0);
    expect(await migrate(target)).toEqual([]);
    expect((await status(target, scopes.all)).every((state) => state.pending.length === 0 && state.applied.length > 0)).toBe(true);
    const user = await createUser(db, { email: 'pglite@example.test' });
    await createSession(db, { userId: user.id, title: 'in memory' });
    expect((await client.query('SELECT title FROM chat_sessions')).rows).toEqual([{ title: 'in memory' }]);
  } finally {
    await client.close();
  }
});
