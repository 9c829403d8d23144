import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { languageTagPattern, userProfiles } from '../schema/auth.ts';
import { boundedPattern, boundedText, dateSchema, jsonObjectSchema, limits } from './common.ts';

const refinements = {
  softwareBackground: () => boundedText('profileText'),
  hardwareBackground: () => boundedText('profileText'),
  preferredLanguage: () =>
    boundedPattern(limits.shortText, z.string().regex(new RegExp(languageTagPattern), 'must be a BCP-47 language tag such as en, ur or pt-BR')),
  onboardingCompletedAt: () => dateSchema,
  extras: () => jsonObjectSchema,
};

export const insertProfileSchema = createInsertSchema(userProfiles, refinements);
export const updateProfileSchema = createUpdateSchema(userProfiles, refinements);
export const selectProfileSchema = createSelectSchema(userProfiles);

/** Creates the profile or changes the fields given; fields left out keep their value, `null` clears one. */
export const upsertProfileInput = updateProfileSchema
  .pick({
    softwareBackground: true,
    hardwareBackground: true,
    experienceLevel: true,
    preferredLanguage: true,
    onboardingCompletedAt: true,
    extras: true,
  })
  .extend({ userId: insertProfileSchema.shape.userId })
  .strict();
export type UpsertProfileInput = z.input<typeof upsertProfileInput>;
