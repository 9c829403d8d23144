import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { languageTagPattern, userProfiles } from '../schema/auth.ts';
import { boundedPattern, boundedText, dateSchema, defaultLimits, jsonObjectSchemaOf, type Limits, userIdSchema } from './common.ts';

/** The profile validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function profileValidators(limits: Readonly<Limits>) {
  const refinements = {
    userId: () => userIdSchema,
    softwareBackground: () => boundedText(limits.profileText),
    hardwareBackground: () => boundedText(limits.profileText),
    preferredLanguage: () =>
      boundedPattern(limits.shortText, z.string().regex(new RegExp(languageTagPattern), 'must be a BCP-47 language tag such as en, ur or pt-BR')),
    onboardingCompletedAt: () => dateSchema,
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

export const { insertProfileSchema, updateProfileSchema, selectProfileSchema, upsertProfileInput } = profileValidators(defaultLimits);
export type UpsertProfileInput = z.input<typeof upsertProfileInput>;
