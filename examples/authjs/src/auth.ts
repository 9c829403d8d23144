// src/auth.ts
import type { AuthConfig } from '@auth/core';
import { DrizzleAdapter } from '@auth/drizzle-adapter';
import { createUser, type Executor } from 'rag-chat-db';
import { accounts, sessions, users, verificationTokens } from './db/auth-schema.ts';

// Auth(request, authConfig(...)) from @auth/core, or spread into NextAuth({ ... }); add your providers.
export function authConfig(db: Executor, options: { secret: string; mirrorUsers?: boolean }) {
  return {
    secret: options.secret,
    basePath: '/auth',
    trustHost: true,
    providers: [],
    adapter: DrizzleAdapter(db, { usersTable: users, accountsTable: accounts, sessionsTable: sessions, verificationTokensTable: verificationTokens }),
    session: { strategy: 'database' },
    callbacks: {
      // session.user.id: the id our helpers take.
      session: ({ session, user }) => ({ ...session, user: { ...session.user, id: user.id } }),
    },
    ...(options.mirrorUsers ? { events: mirrorIntoOurUsers(db) } : {}),
  } satisfies AuthConfig;
}

// --layout all: our users mirror Auth.js's, with its id, for profiles and getPersonalizationContext.
const mirrorIntoOurUsers = (db: Executor): NonNullable<AuthConfig['events']> => ({
  createUser: async ({ user }) => {
    await createUser(db, { id: user.id!, email: user.email!, displayName: user.name ?? null });
  },
});
