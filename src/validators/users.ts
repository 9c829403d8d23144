import { createInsertSchema, createSelectSchema, createUpdateSchema } from 'drizzle-zod';
import { z } from 'zod';
import { users } from '../schema/auth.ts';
import { boundedPattern, boundedText, defaultLimits, type Limits, storableText, userIdSchema } from './common.ts';

/** The users validators under `limits` (createValidators composes these; the exports below use the defaults). */
export function userValidators(limits: Readonly<Limits>) {
  const refinements = {
    /** A user id (userIdSchema): an auth provider's id, or a random uuid's text by default. */
    id: () => userIdSchema,
    /** An email address of at most `limits.email` characters, storable text. */
    email: () => boundedPattern(limits.email, storableText(z.email())),
    /** At most `limits.shortText` characters. */
    displayName: () => boundedText(limits.shortText),
  };
  const insertUserSchema = createInsertSchema(users, refinements);
  const updateUserSchema = createUpdateSchema(users, refinements);
  return {
    insertUserSchema,
    updateUserSchema,
    selectUserSchema: createSelectSchema(users),
    // Refined columns lose drizzle-zod's optional() in the types, so optional fields are marked here.
    // `id`: the auth provider's id for the user, when our users mirror its users (link-users --layout all); generated when absent.
    createUserInput: insertUserSchema
      .pick({ email: true, displayName: true })
      .partial({ displayName: true })
      .extend({ id: userIdSchema.optional() })
      .strict(),
    userIdInput: z.strictObject({ userId: userIdSchema }),
    findUserByEmailInput: z.strictObject({ email: z.string().max(limits.email).pipe(storableText(z.string())) }),
    updateUserInput: updateUserSchema
      .pick({ email: true, displayName: true })
      .extend({ userId: userIdSchema })
      .strict()
      .refine((input) => input.email !== undefined || input.displayName !== undefined, { message: 'give email or displayName to change' }),
  };
}

export const {
  /** A `users` row to insert (drizzle-zod), with the id rule, a bounded email and display name. */
  insertUserSchema,
  /** A change to a `users` row (drizzle-zod): every column optional, refined as in insertUserSchema. */
  updateUserSchema,
  /** A `users` row as read (drizzle-zod). */
  selectUserSchema,
  /** createUser's input: `email`, an optional `displayName`, and an optional `id` (the auth provider's id for the user, under the user id rule; a random uuid's text when absent). Unknown keys are refused. */
  createUserInput,
  /** `{ userId }`: the input of the helpers that read or erase one user (findUser, getUser, getProfile, eraseUser, ...). */
  userIdInput,
  /** findUserByEmail's input: `{ email }`, at most `limits.email` characters; matched case-insensitively. */
  findUserByEmailInput,
  /** updateUser's input: `userId` and at least one of `email` and `displayName`. */
  updateUserInput,
} = userValidators(defaultLimits);
/** The input of createUser (createUserInput's input type). */
export type CreateUserInput = z.input<typeof createUserInput>;
/** A user by id: the input of findUser, getUser, findProfile, getProfile, getPersonalizationContext and eraseUser (userIdInput's input type). */
export type UserIdInput = z.input<typeof userIdInput>;
/** The input of findUserByEmail (findUserByEmailInput's input type). */
export type FindUserByEmailInput = z.input<typeof findUserByEmailInput>;
/** The input of updateUser (updateUserInput's input type). */
export type UpdateUserInput = z.input<typeof updateUserInput>;
