// src/auth.ts
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { createUser, type Executor } from 'rag-chat-db';
import * as schema from './db/auth-schema.ts';

// One drizzle instance for better-auth and rag-chat-db: createDb() from 'rag-chat-db/node', or your own.
export function createAuth(db: Executor, options: { secret: string; baseURL: string; mirrorUsers?: boolean }) {
  return betterAuth({
    secret: options.secret,
    baseURL: options.baseURL,
    database: drizzleAdapter(db, { provider: 'pg', schema }),
    emailAndPassword: { enabled: true },
    user: { deleteUser: { enabled: true } }, // auth.api.deleteUser; the foreign keys delete our rows with the user
    ...(options.mirrorUsers ? { databaseHooks: mirrorIntoOurUsers(db) } : {}),
  });
}

// --layout all: our users mirror better-auth's, with its id, for profiles and getPersonalizationContext.
const mirrorIntoOurUsers = (db: Executor) => ({
  user: {
    create: {
      after: async (user: { id: string; email: string; name: string }) => {
        await createUser(db, { id: user.id, email: user.email, displayName: user.name });
      },
    },
  },
});
