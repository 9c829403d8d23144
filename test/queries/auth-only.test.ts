/** With our auth module alone (`init --scope auth`): users and profiles, no chat tables. */
import { expect, test } from 'vitest';
import { createUser, eraseUser, exportUserData, getPersonalizationContext, upsertProfile } from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';

const t = useDatabase({ modules: ['auth'] });

test('exportUserData gives the user and profile, and eraseUser deletes them, without the chat tables', async () => {
  const user = await createUser(t.api, { email: `auth-only-${Date.now()}@example.com`, displayName: 'Ada' });
  await upsertProfile(t.api, { userId: user.id, experienceLevel: 'beginner', preferredLanguage: 'en' });
  expect(await getPersonalizationContext(t.api, { userId: user.id })).toMatchObject({ userId: user.id, displayName: 'Ada', experienceLevel: 'beginner' });

  const data = await exportUserData(t.api, { userId: user.id });
  expect(data).toMatchObject({ user: { id: user.id, displayName: 'Ada' }, profile: { userId: user.id, experienceLevel: 'beginner' }, sessions: [], feedback: [] });

  expect(await eraseUser(t.api, { userId: user.id })).toEqual({ sessions: 0, messages: 0, feedback: 0, user: true });
  const [left] = await t.sql`SELECT (SELECT count(*) FROM users WHERE id = ${user.id})::int AS users,
                                    (SELECT count(*) FROM user_profiles WHERE user_id = ${user.id})::int AS profiles`;
  expect(left).toEqual({ users: 0, profiles: 0 });
  expect(await eraseUser(t.api, { userId: user.id })).toEqual({ sessions: 0, messages: 0, feedback: 0, user: false });
});
