import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { users } from '../schema/auth.ts';
import { boundedPattern, boundedText, idSchema, limits, storableText } from './common.ts';

const refinements = {
  email: () => boundedPattern(limits.email, storableText(z.email())),
  displayName: () => boundedText('shortText'),
};

export const insertUserSchema = createInsertSchema(users, refinements);
export const updateUserSchema = createUpdateSchema(users, refinements);
export const selectUserSchema = createSelectSchema(users);

// Refined columns lose drizzle-zod's optional() in the types, so optional fields are marked here.
export const createUserInput = insertUserSchema.pick({ email: true, displayName: true }).partial({ displayName: true }).strict();
export type CreateUserInput = z.input<typeof createUserInput>;

export const userIdInput = z.strictObject({ userId: idSchema });
export type UserIdInput = z.input<typeof userIdInput>;

export const findUserByEmailInput = z.strictObject({ email: z.string().max(limits.email).pipe(storableText(z.string())) });
export type FindUserByEmailInput = z.input<typeof findUserByEmailInput>;

export const updateUserInput = updateUserSchema
  .pick({ email: true, displayName: true })
  .extend({ userId: idSchema })
  .strict()
  .refine((input) => input.email !== undefined || input.displayName !== undefined, { message: 'give email or displayName to change' });
export type UpdateUserInput = z.input<typeof updateUserInput>;
