// src/auth.ts
import type { AuthConfig } from '@auth/core';
import { DrizzleAdapter } from '@auth/drizzle-adapter';
import { createUser, type Executor } from 'rag-chat-db';
import { accounts, sessions, users, verificationTokens } from './db/auth-schema.ts';

// Spread into NextAuth({ ... }) / Auth(request, { ... }) with your providers.
export function authConfig(db: Executor, options: { mirrorUsers?: boolean } = {}) {
  return {
    adapter: DrizzleAdapter(db, { usersTable: users, accountsTable: accounts, sessionsTable: sessions, verificationTokensTable: verificationTokens }),
    ...(options.mirrorUsers ? { events: mirrorIntoOurUsers(db) } : {}),
  } satisfies Partial<AuthConfig>;
}

// --layout all: our users mirror Auth.js's, with its id, for profiles and getPersonalizationContext.
const mirrorIntoOurUsers = (db: Executor): NonNullable<AuthConfig['events']> => ({
  createUser: async ({ user }) => {
    await createUser(db, { id: user.id!, email: user.email!, displayName: user.name ?? null });
  },
});
