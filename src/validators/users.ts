import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { users } from '../schema/auth.ts';
import { boundedPattern, boundedText, defaultLimits, type Limits, storableText, userIdSchema } from './common.ts';

/** The users validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function userValidators(limits: Readonly<Limits>) {
  const refinements = {
    id: () => userIdSchema,
    email: () => boundedPattern(limits.email, storableText(z.email())),
    displayName: () => boundedText(limits.shortText),
  };
  const insertUserSchema = createInsertSchema(users, refinements);
  const updateUserSchema = createUpdateSchema(users, refinements);
  return {
    insertUserSchema,
    updateUserSchema,
    selectUserSchema: createSelectSchema(users),
    // Refined columns lose drizzle-zod's optional() in the types, so optional fields are marked here.
    createUserInput: insertUserSchema.pick({ email: true, displayName: true }).partial({ displayName: true }).strict(),
    userIdInput: z.strictObject({ userId: userIdSchema }),
    findUserByEmailInput: z.strictObject({ email: z.string().max(limits.email).pipe(storableText(z.string())) }),
    updateUserInput: updateUserSchema
      .pick({ email: true, displayName: true })
      .extend({ userId: userIdSchema })
      .strict()
      .refine((input) => input.email !== undefined || input.displayName !== undefined, { message: 'give email or displayName to change' }),
  };
}

export const { insertUserSchema, updateUserSchema, selectUserSchema, createUserInput, userIdInput, findUserByEmailInput, updateUserInput } =
  userValidators(defaultLimits);
export type CreateUserInput = z.input<typeof createUserInput>;
export type UserIdInput = z.input<typeof userIdInput>;
export type FindUserByEmailInput = z.input<typeof findUserByEmailInput>;
export type UpdateUserInput = z.input<typeof updateUserInput>;
