import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors.ts';
import {
  createUser,
  findProfile,
  findUserByEmail,
  getPersonalizationContext,
  getProfile,
  getUser,
  updateUser,
  upsertProfile,
} from '../../src/queries/index.ts';
import { useDatabase } from '../support/context.ts';
import { uniqueEmail } from '../support/factories.ts';

const t = useDatabase();

describe('users', () => {
  test('createUser writes one row in one round trip', async () => {
    const email = uniqueEmail();
    const { result: user, queries } = await t.countQueries(() => createUser(t.api, { email, displayName: 'Ada' }));
    expect(queries).toBe(1);
    const [row] = await t.sql`SELECT email, display_name FROM users WHERE id = ${user.id}`;
    expect(row).toEqual({ email, display_name: 'Ada' });
  });

  test("createUser takes an auth provider's id (link-users --layout all), under the user-id rule; a taken id is a ConflictError", async () => {
    const id = `ba_${randomUUID().replaceAll('-', '')}`; // better-auth style: letters and digits, not a uuid
    const user = await createUser(t.api, { id, email: uniqueEmail(), displayName: 'From the provider' });
    expect(user.id).toBe(id);
    expect(await t.sql`SELECT id FROM users WHERE id = ${id}`).toEqual([{ id }]);
    await expect(createUser(t.api, { id, email: uniqueEmail() })).rejects.toMatchObject({ constructor: ConflictError, message: 'a user with this id already exists' });
    for (const bad of ['', 'has space', 'é', 'x'.repeat(256)]) {
      await expect(createUser(t.api, { id: bad, email: uniqueEmail() })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  test('an email taken in another letter case is a ConflictError that keeps the driver error', async () => {
    const email = uniqueEmail();
    await createUser(t.api, { email });
    const error = await createUser(t.api, { email: email.toUpperCase() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ constraint: 'users_email_lower_idx', message: 'a user with this email already exists' });
    expect((error as Error).cause).toMatchObject({ code: '23505' });
    expect((error as Error).message).not.toContain(email.toUpperCase());
    // Nor anywhere in the error as a logger would print it: the cause keeps diagnostics, not bound values.
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(email.toUpperCase());
    expect((error as Error).cause).not.toHaveProperty('parameters');
  });

  test('getUser, findUserByEmail (any case), updateUser', async () => {
    const email = uniqueEmail();
    const user = await createUser(t.api, { email });
    expect(await getUser(t.api, { userId: user.id })).toEqual(user);
    expect((await findUserByEmail(t.api, { email: email.toUpperCase() }))?.id).toBe(user.id);
    expect(await findUserByEmail(t.api, { email: uniqueEmail() })).toBeUndefined();

    const updated = await updateUser(t.api, { userId: user.id, displayName: 'Grace' });
    expect(updated.displayName).toBe('Grace');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
    await expect(getUser(t.api, { userId: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateUser(t.api, { userId: randomUUID(), displayName: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  test.each([
    ['a malformed email', { email: 'not-an-email' }],
    ['a NUL in the display name', { email: uniqueEmail(), displayName: 'a\u0000b' }],
    ['an unknown field', { email: uniqueEmail(), role: 'admin' }],
  ])('%s: ValidationError, nothing written', async (_name, input) => {
    const [before] = await t.sql`SELECT count(*)::int AS n FROM users`;
    await expect(createUser(t.api, input as never)).rejects.toBeInstanceOf(ValidationError);
    const [after] = await t.sql`SELECT count(*)::int AS n FROM users`;
    expect(after!.n).toBe(before!.n);
  });
});

describe('profiles and personalization', () => {
  test('upsertProfile creates, then changes only the fields given; null clears one', async () => {
    const user = await createUser(t.api, { email: uniqueEmail() });
    await upsertProfile(t.api, {
      userId: user.id,
      softwareBackground: 'Python, JavaScript',
      hardwareBackground: 'Raspberry Pi',
      experienceLevel: 'intermediate',
      preferredLanguage: 'en',
    });
    const { queries } = await t.countQueries(() =>
      upsertProfile(t.api, { userId: user.id, preferredLanguage: 'ur', hardwareBackground: null }),
    );
    expect(queries).toBe(1);
    const [row] = await t.sql`SELECT software_background, hardware_background, experience_level, preferred_language
                              FROM user_profiles WHERE user_id = ${user.id}`;
    expect(row).toEqual({
      software_background: 'Python, JavaScript',
      hardware_background: null,
      experience_level: 'intermediate',
      preferred_language: 'ur',
    });
  });

  test('a profile for a user who does not exist is NotFound', async () => {
    await expect(upsertProfile(t.api, { userId: randomUUID(), experienceLevel: 'beginner' })).rejects.toBeInstanceOf(NotFoundError);
  });

  test.each([
    ['an unknown experience level', { experienceLevel: 'guru' }],
    ['a language that is no BCP-47 tag', { preferredLanguage: 'English' }],
    ['extras that are not an object', { extras: ['a'] }],
  ])('%s: ValidationError', async (_name, fields) => {
    const user = await createUser(t.api, { email: uniqueEmail() });
    await expect(upsertProfile(t.api, { userId: user.id, ...fields } as never)).rejects.toBeInstanceOf(ValidationError);
    expect(await findProfile(t.api, { userId: user.id })).toBeUndefined();
  });

  test('getPersonalizationContext: what a prompt needs, before and after onboarding', async () => {
    const user = await createUser(t.api, { email: uniqueEmail(), displayName: 'Ada' });
    expect(await getPersonalizationContext(t.api, { userId: user.id })).toEqual({
      userId: user.id,
      displayName: 'Ada',
      softwareBackground: null,
      hardwareBackground: null,
      experienceLevel: null,
      preferredLanguage: null,
      onboardingCompleted: false,
    });
    await expect(getProfile(t.api, { userId: user.id })).rejects.toBeInstanceOf(NotFoundError);

    await upsertProfile(t.api, { userId: user.id, experienceLevel: 'advanced', preferredLanguage: 'ur', onboardingCompletedAt: new Date() });
    const { result, queries } = await t.countQueries(() => getPersonalizationContext(t.api, { userId: user.id }));
    expect(queries).toBe(1);
    expect(result).toMatchObject({ experienceLevel: 'advanced', preferredLanguage: 'ur', onboardingCompleted: true });
    await expect(getPersonalizationContext(t.api, { userId: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
  });
});
