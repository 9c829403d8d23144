/** Onboarding profiles and what a prompt needs from them. Each helper is one round trip. */
import { eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type User, type UserProfile, userProfiles } from '../schema/auth.ts';
import { type UpsertProfileInput, upsertProfileInput } from '../validators/profiles.ts';
import { type UserIdInput, userIdInput } from '../validators/users.ts';
import { type Executor, parseInput, queryRows, readOnly, tableRows } from './executor.ts';

/**
 * Creates the user's profile, or changes the fields given (an `INSERT ... ON
 * CONFLICT DO UPDATE`: safe under concurrent calls). Fields left out keep
 * their value; `null` clears one. NotFoundError if the user does not exist.
 */
export async function upsertProfile(db: Executor, input: UpsertProfileInput): Promise<UserProfile> {
  const { userId, ...fields } = parseInput(upsertProfileInput, input);
  const [profile] = await tableRows(
    db,
    userProfiles,
    db
      .insert(userProfiles)
      .values({ userId, ...fields })
      .onConflictDoUpdate({ target: userProfiles.userId, set: { ...fields, updatedAt: sql`now()` } })
      .returning(),
    'user',
  );
  return profile!;
}

/** The user's onboarding profile, or undefined if they have none yet. */
export async function findProfile(db: Executor, input: UserIdInput): Promise<UserProfile | undefined> {
  const { userId } = parseInput(userIdInput, input);
  const [profile] = await tableRows(db, userProfiles, db.select().from(userProfiles).where(eq(userProfiles.userId, userId)), 'profile', readOnly);
  return profile;
}

/** NotFoundError if the user has no profile (has not started onboarding). */
export async function getProfile(db: Executor, input: UserIdInput): Promise<UserProfile> {
  const profile = await findProfile(db, input);
  if (!profile) throw new NotFoundError('profile');
  return profile;
}

/** What a system prompt needs to personalise an answer: a projection of the user and profile, typed from the tables (nulls before onboarding). */
export type PersonalizationContext = { userId: User['id']; displayName: User['displayName'] } & {
  [K in 'softwareBackground' | 'hardwareBackground' | 'experienceLevel' | 'preferredLanguage']: UserProfile[K] | null;
} & { onboardingCompleted: boolean };

/** The user's background, level and language (nulls before onboarding). NotFoundError if there is no such user. */
export async function getPersonalizationContext(db: Executor, input: UserIdInput): Promise<PersonalizationContext> {
  const { userId } = parseInput(userIdInput, input);
  const [row] = await queryRows<PersonalizationContext>(
    db,
    sql`
      SELECT u.id AS "userId", u.display_name AS "displayName", p.software_background AS "softwareBackground",
             p.hardware_background AS "hardwareBackground", p.experience_level AS "experienceLevel",
             p.preferred_language AS "preferredLanguage", p.onboarding_completed_at IS NOT NULL AS "onboardingCompleted"
      FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
      WHERE u.id = ${userId}`,
    'user',
  );
  if (!row) throw new NotFoundError('user');
  return row;
}
