/**
 * docs/auth-providers.md "With Auth.js", run for both layouts in a scratch project:
 * @auth/drizzle-adapter's documented tables (examples/authjs) generated
 * into an application module, `link-users`, lint, verify, init; then users
 * created and deleted through the adapter (as Auth.js's sign-in and its
 * account deletion call it), the id read back through Auth.js's session
 * endpoint (database sessions) in the guide's route, used with our
 * helpers, and nothing of theirs left here after the adapter's deleteUser.
 * The `createUser` event is called as @auth/core calls it after
 * adapter.createUser in a sign-in (no OAuth or email round trip here).
 */
import { randomUUID } from 'node:crypto';
import type { AdapterUser } from '@auth/core/adapters';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { authConfig } from '../../examples/authjs/src/auth.ts';
import { startChat } from '../../examples/authjs/src/chat.ts';
import { closeDb, createDb, type PostgresDatabase } from '../../src/connection/create-db.ts';
import { eraseUser, exportUserData } from '../../src/queries/index.ts';
import { dropDatabase } from '../support/databases.ts';
import { providerSecrets } from '../support/secrets.ts';
import {
  blocksOf,
  foreignKeysTo,
  linkedForeignKeys,
  heldBy,
  type Layout,
  providerProject,
  readmeSection,
  rowsHeldFor,
  runShellBlock,
  scratchDatabase,
  useOurHelpers,
} from './support.ts';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(inject('adminUrl'), name);
});

const baseURL = 'http://localhost:3000';
let signUps = 0;

describe.each<Layout>(['chat', 'all'])('Auth.js, --layout %s', (layout) => {
  let url: string;
  let db: PostgresDatabase;
  let config: ReturnType<typeof authConfig>;

  beforeAll(async () => {
    const project = providerProject('authjs', layout);
    url = await scratchDatabase(created, `authjs_${layout}`);
    const ran = await runShellBlock(blocksOf(readmeSection('### With Auth.js'), 'bash')[0]!, project, { DATABASE_URL: url }, layout);
    expect(ran).toEqual(['new auth.js tables --module app', 'review', `link-users user${layout === 'all' ? ' --layout all' : ''}`, 'lint', 'verify', `init --scope ${layout}`]);
    db = createDb({ url, max: 2 });
    config = authConfig(db, { secret: providerSecrets.signing, mirrorUsers: layout === 'all' });
  }, 180_000);
  afterAll(async () => {
    if (db) await closeDb(db);
  });

  /** A user as Auth.js's sign-in makes one: adapter.createUser, then the createUser event; and a database session. */
  async function signUp() {
    const adapter = config.adapter;
    const user = await adapter.createUser!({ id: randomUUID(), email: `reader${++signUps}@example.com`, name: `Reader ${signUps}`, emailVerified: null } as AdapterUser);
    await config.events?.createUser?.({ user });
    const sessionToken = randomUUID();
    await adapter.createSession!({ sessionToken, userId: user.id, expires: new Date(Date.now() + 86_400_000) });
    return { userId: user.id, cookie: `authjs.session-token=${sessionToken}` };
  }

  async function chatAs(user: { userId: string; cookie: string }) {
    const start = async (question: string) => {
      const response = await startChat(db, config, new Request(`${baseURL}/chat`, { headers: { cookie: user.cookie } }), question);
      expect(response.status).toBe(201);
      return ((await response.json()) as { sessionId: string }).sessionId;
    };
    await useOurHelpers(db, user.userId, [await start('What is ROS 2?'), await start('And DDS?')], layout);
  }

  const { held, none } = heldBy(layout);

  test('link-users added the foreign keys of the layout, ON DELETE CASCADE', async () => {
    expect(await foreignKeysTo(url, 'public."user"')).toEqual(linkedForeignKeys(layout));
  });

  test("a user of Auth.js's adapter chats with its id; the adapter's deleteUser leaves nothing of theirs here", async () => {
    const user = await signUp();
    const bystander = await signUp();
    const anonymous = await startChat(db, config, new Request(`${baseURL}/chat`), 'Who am I?');
    expect(anonymous.status).toBe(401);
    await chatAs(user);
    await chatAs(bystander);
    expect(await rowsHeldFor(url, user.userId)).toEqual(held);

    await config.adapter.deleteUser!(user.userId);
    expect(await rowsHeldFor(url, user.userId)).toEqual(none);
    expect(await rowsHeldFor(url, bystander.userId)).toEqual(held);
  });

  test('exportUserData and eraseUser: our rows only; the Auth.js user and its session stay', async () => {
    const user = await signUp();
    await chatAs(user);
    const data = await exportUserData(db, { userId: user.userId });
    expect(data.sessions).toHaveLength(2);
    expect(data.user?.id ?? null).toBe(layout === 'all' ? user.userId : null);

    expect(await eraseUser(db, { userId: user.userId })).toEqual({ sessions: 2, messages: 4, feedback: 1, user: layout === 'all' });
    expect(await rowsHeldFor(url, user.userId)).toEqual({ ...none, provider: 1 });
    expect(await config.adapter.getUser!(user.userId)).toMatchObject({ id: user.userId });
    const { Auth } = await import('@auth/core');
    const session = await (await Auth(new Request(`${baseURL}/auth/session`, { headers: { cookie: user.cookie } }), config)).json();
    expect(session).toMatchObject({ user: { id: user.userId } });
  });
});
