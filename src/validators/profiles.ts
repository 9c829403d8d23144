import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { languageTagPattern, userProfiles } from '../schema/auth.ts';
import { boundedPattern, boundedText, dateSchema, defaultLimits, jsonObjectSchemaOf, type Limits, userIdSchema } from './common.ts';

/** The profile validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function profileValidators(limits: Readonly<Limits>) {
  const refinements = {
    /** A user id (userIdSchema). */
    userId: () => userIdSchema,
    /** At most `limits.profileText` characters. */
    softwareBackground: () => boundedText(limits.profileText),
    /** At most `limits.profileText` characters. */
    hardwareBackground: () => boundedText(limits.profileText),
    /** A BCP-47 language tag (languageTagPattern) of at most `limits.shortText` characters. */
    preferredLanguage: () =>
      boundedPattern(limits.shortText, z.string().regex(new RegExp(languageTagPattern), 'must be a BCP-47 language tag such as en, ur or pt-BR')),
    /** A Date in the years 1 to 9999. */
    onboardingCompletedAt: () => dateSchema,
    /** A JSON object within `limits.jsonDepth` and `limits.jsonBytes`. */
    extras: () => jsonObjectSchemaOf(limits),
  };
  const insertProfileSchema = createInsertSchema(userProfiles, refinements);
  const updateProfileSchema = createUpdateSchema(userProfiles, refinements);
  return {
    insertProfileSchema,
    updateProfileSchema,
    selectProfileSchema: createSelectSchema(userProfiles),
    /** Creates the profile or changes the fields given; fields left out keep their value, `null` clears one. */
    upsertProfileInput: updateProfileSchema
      .pick({
        softwareBackground: true,
        hardwareBackground: true,
        experienceLevel: true,
        preferredLanguage: true,
        onboardingCompletedAt: true,
        extras: true,
      })
      .extend({ userId: userIdSchema })
      .strict(),
  };
}

export const {
  /** A `user_profiles` row to insert (drizzle-zod), with bounded texts, a language tag and a JSON object as extras. */
  insertProfileSchema,
  /** A change to a `user_profiles` row (drizzle-zod): every column optional, refined as in insertProfileSchema. */
  updateProfileSchema,
  /** A `user_profiles` row as read (drizzle-zod). */
  selectProfileSchema,
  /** upsertProfile's input: `userId` and the profile fields to set; fields left out keep their value, `null` clears one. */
  upsertProfileInput,
} = profileValidators(defaultLimits);
/** The input of upsertProfile (upsertProfileInput's input type). */
export type UpsertProfileInput = z.input<typeof upsertProfileInput>;
