import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { languageTagPattern, userProfiles } from '../schema/auth.ts';
import { jsonObjectSchema, limits, storableText } from './common.ts';

const profileText = (schema: z.ZodString) => storableText(schema.max(limits.profileText));

const refinements = {
  softwareBackground: profileText,
  hardwareBackground: profileText,
  preferredLanguage: (schema: z.ZodString) =>
    schema.regex(new RegExp(languageTagPattern), 'must be a BCP-47 language tag such as en, ur or pt-BR'),
  extras: () => jsonObjectSchema,
};

export const insertProfileSchema = createInsertSchema(userProfiles, refinements);
export const updateProfileSchema = createUpdateSchema(userProfiles, refinements);
export const selectProfileSchema = createSelectSchema(userProfiles);
