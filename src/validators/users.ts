import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { users } from '../schema/auth.ts';
import { limits, storableText } from './common.ts';

const refinements = {
  email: () => storableText(z.email().max(limits.email)),
  displayName: (schema: z.ZodString) => storableText(schema.max(limits.shortText)),
};

export const insertUserSchema = createInsertSchema(users, refinements);
export const updateUserSchema = createUpdateSchema(users, refinements);
export const selectUserSchema = createSelectSchema(users);
