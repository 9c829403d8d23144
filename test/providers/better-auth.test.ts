/**
 * docs/auth-providers.md "With better-auth", run for both layouts in a scratch project:
 * better-auth 1.7's tables (examples/better-auth) generated into an
 * application module, `link-users`, lint, verify, init; then sign-up
 * through better-auth's API on its drizzle adapter (default 32-character
 * text ids), the id through our helpers, and the user deleted through
 * `auth.api.deleteUser` with the session's cookie: nothing of theirs stays
 * here. eraseUser and exportUserData touch our rows only.
 */
import { getAuthTables } from 'better-auth/db';
import { getTableColumns } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createAuth } from '../../examples/better-auth/src/auth.ts';
import { startChat } from '../../examples/better-auth/src/chat.ts';
import * as authSchema from '../../examples/better-auth/src/db/auth-schema.ts';
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
const section = () => readmeSection('### With better-auth');
let signUps = 0;

test("the schema in examples/better-auth holds every table and field better-auth's own schema asks for", () => {
  const tables = getAuthTables({ emailAndPassword: { enabled: true }, user: { deleteUser: { enabled: true } } });
  for (const table of Object.values(tables)) {
    const ours = (authSchema as Record<string, Parameters<typeof getTableColumns>[0]>)[table.modelName];
    expect(ours, table.modelName).toBeDefined();
    expect(Object.keys(getTableColumns(ours!)).sort(), table.modelName).toEqual(['id', ...Object.keys(table.fields)].sort());
  }
});

describe.each<Layout>(['chat', 'all'])('better-auth, --layout %s', (layout) => {
  let url: string;
  let db: PostgresDatabase;
  let auth: ReturnType<typeof createAuth>;

  beforeAll(async () => {
    const project = providerProject('better-auth', layout);
    url = await scratchDatabase(created, `bauth_${layout}`);
    const ran = await runShellBlock(blocksOf(section(), 'bash')[0]!, project, { DATABASE_URL: url }, layout);
    expect(ran).toEqual([
      'new better-auth tables --module app',
      'review',
      `link-users user${layout === 'all' ? ' --layout all' : ''}`,
      'lint',
      'verify',
      `init --scope ${layout}`,
    ]);
    db = createDb({ url, max: 2 });
    auth = createAuth(db, { secret: providerSecrets.signing, baseURL, mirrorUsers: layout === 'all' });
  }, 180_000);
  afterAll(async () => {
    if (db) await closeDb(db);
  });

  async function signUp() {
    const email = `reader${++signUps}@example.com`;
    const { response, headers } = await auth.api.signUpEmail({
      body: { email, password: providerSecrets.password, name: `Reader ${signUps}` },
      returnHeaders: true,
    });
    const cookie = headers.get('set-cookie')!.split(';')[0]!;
    return { userId: response.user.id, email, cookie };
  }

  /** Through the guide's route, then the rest of our helpers. */
  async function chatAs(user: { userId: string; cookie: string }) {
    const start = async (question: string) => {
      const response = await startChat(db, auth, new Request(`${baseURL}/chat`, { headers: { cookie: user.cookie } }), question);
      expect(response.status).toBe(201);
      return ((await response.json()) as { sessionId: string }).sessionId;
    };
    await useOurHelpers(db, user.userId, [await start('What is ROS 2?'), await start('And DDS?')], layout);
  }

  const { held, none } = heldBy(layout);

  test('link-users added the foreign keys of the layout, ON DELETE CASCADE, and nothing else to the provider', async () => {
    expect(await foreignKeysTo(url, 'public."user"')).toEqual(linkedForeignKeys(layout));
  });

  test('a user signed up through better-auth chats with its id; auth.api.deleteUser leaves nothing of theirs here', async () => {
    const user = await signUp();
    expect(user.userId).toMatch(/^[A-Za-z0-9]{32}$/); // better-auth's default ids, not uuids
    const bystander = await signUp();
    await chatAs(user);
    await chatAs(bystander);
    expect(await rowsHeldFor(url, user.userId)).toEqual(held);

    const deleted = await auth.api.deleteUser({ body: {}, headers: new Headers({ cookie: user.cookie }) });
    expect(deleted).toMatchObject({ success: true });
    expect(await rowsHeldFor(url, user.userId)).toEqual(none);
    expect(await rowsHeldFor(url, bystander.userId)).toEqual(held);
  });

  test('exportUserData and eraseUser: our rows only; the better-auth user and its session stay', async () => {
    const user = await signUp();
    await chatAs(user);
    const data = await exportUserData(db, { userId: user.userId });
    expect(data.sessions).toHaveLength(2);
    expect(data.feedback).toHaveLength(1);
    expect(data.user?.id ?? null).toBe(layout === 'all' ? user.userId : null); // our mirror row, never the provider's
    expect(data.profile?.experienceLevel ?? null).toBe(layout === 'all' ? 'beginner' : null);

    const erased = await eraseUser(db, { userId: user.userId });
    expect(erased).toEqual({ sessions: 2, messages: 4, feedback: 1, user: layout === 'all' });
    expect(await rowsHeldFor(url, user.userId)).toEqual({ ...none, provider: 1 });
    const session = await auth.api.getSession({ headers: new Headers({ cookie: user.cookie }) });
    expect(session?.user.id).toBe(user.userId);
  });
});
