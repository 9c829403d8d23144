/**
 * The auth module (`--scope auth`): users and their onboarding profiles.
 * It stands alone; the chat module never imports it (see link.ts).
 */
import { sql } from 'drizzle-orm';
import { check, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { isJsonObject, isOneOf, isUserId, jsonObject, matches, timestamps, timestamptz, userIdKey } from './columns.ts';

/** The values of `user_profiles.experience_level` (a CHECK keeps the column to them). */
export const experienceLevels = ['beginner', 'intermediate', 'advanced'] as const;
/** A reader's stated experience: `beginner`, `intermediate` or `advanced`. */
export type ExperienceLevel = (typeof experienceLevels)[number];

/** The database's floor for an email: one `@` with text around it and no spaces (the validators check more). */
export const emailPattern = '^[^@[:space:]]+@[^@[:space:]]+$';

/** A BCP-47 language tag in its common form: `en`, `ur`, `pt-BR`, `zh-Hant-TW` (the CHECK on `user_profiles.preferred_language`). */
export const languageTagPattern = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';

/** The `users` table (auth module): a user id (text, an auth provider's or a random uuid's), an email unique case-insensitively, a display name, and timestamps. */
export const users = pgTable(
  'users',
  {
    id: userIdKey(),
    email: text('email').notNull(),
    displayName: text('display_name'),
    ...timestamps(),
  },
  (t) => [
    // findUserByEmail: WHERE lower(email) = lower($1); also makes email unique case-insensitively.
    uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`),
    check('users_email_check', matches(t.email, emailPattern)),
    check('users_id_check', isUserId(t.id)),
  ],
);

/** The `user_profiles` table (auth module): one onboarding profile per user (software and hardware background, experience level, preferred language, when onboarding was completed, `extras` as a JSON object); deleted with its user. */
export const userProfiles = pgTable(
  'user_profiles',
  {
    // One profile per user: the user id is the key (and serves getProfile by user).
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    softwareBackground: text('software_background'),
    hardwareBackground: text('hardware_background'),
    experienceLevel: text('experience_level', { enum: experienceLevels }),
    preferredLanguage: text('preferred_language'),
    onboardingCompletedAt: timestamptz('onboarding_completed_at'),
    extras: jsonObject('extras'),
    ...timestamps(),
  },
  (t) => [
    check('user_profiles_user_id_check', isUserId(t.userId)),
    check('user_profiles_experience_level_check', isOneOf(t.experienceLevel, experienceLevels)),
    check('user_profiles_preferred_language_check', matches(t.preferredLanguage, languageTagPattern)),
    check('user_profiles_extras_check', isJsonObject(t.extras)),
  ],
);

/** A `users` row as read. */
export type User = typeof users.$inferSelect;
/** A `users` row to insert: the id and timestamps may be left to the database. */
export type NewUser = typeof users.$inferInsert;
/** A `user_profiles` row as read. */
export type UserProfile = typeof userProfiles.$inferSelect;
/** A `user_profiles` row to insert. */
export type NewUserProfile = typeof userProfiles.$inferInsert;
