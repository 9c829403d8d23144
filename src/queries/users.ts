/** Users. Each helper is one round trip. */
import { eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../errors.ts';
import { type User, users } from '../schema/auth.ts';
import {
  type CreateUserInput,
  createUserInput,
  type FindUserByEmailInput,
  findUserByEmailInput,
  type UpdateUserInput,
  type UserIdInput,
  updateUserInput,
  userIdInput,
} from '../validators/users.ts';
import { type Executor, parseInput, readOnly, tableRows } from './executor.ts';

/** Creates a user. ConflictError if the email is taken, in any letter case. */
export async function createUser(db: Executor, input: CreateUserInput): Promise<User> {
  const values = parseInput(createUserInput, input);
  const [user] = await tableRows(db, users, db.insert(users).values(values).returning(), 'user');
  return user!;
}

/** The user with this id, or undefined. */
export async function findUser(db: Executor, input: UserIdInput): Promise<User | undefined> {
  const { userId } = parseInput(userIdInput, input);
  const [user] = await tableRows(db, users, db.select().from(users).where(eq(users.id, userId)), 'user', readOnly);
  return user;
}

/** NotFoundError if there is no such user. */
export async function getUser(db: Executor, input: UserIdInput): Promise<User> {
  const user = await findUser(db, input);
  if (!user) throw new NotFoundError('user');
  return user;
}

/** Case-insensitive, served by the unique index on lower(email). */
export async function findUserByEmail(db: Executor, input: FindUserByEmailInput): Promise<User | undefined> {
  const { email } = parseInput(findUserByEmailInput, input);
  const [user] = await tableRows(db, users, db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1), 'user', readOnly);
  return user;
}

/** Changes the email and/or display name. NotFoundError, or ConflictError if the new email is taken. */
export async function updateUser(db: Executor, input: UpdateUserInput): Promise<User> {
  const { userId, ...changes } = parseInput(updateUserInput, input);
  const [user] = await tableRows(
    db,
    users,
    db
      .update(users)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(users.id, userId))
      .returning(),
    'user',
  );
  if (!user) throw new NotFoundError('user');
  return user;
}
