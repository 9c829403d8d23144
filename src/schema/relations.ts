/**
 * relations() for every foreign key, for drizzle's relational queries
 * (`db.query.users.findFirst({ with: { sessions: true } })`).
 *
 * They live together because they are TypeScript-only navigation, not
 * database objects, and cross modules: drizzle's types keep one relations()
 * per table, and `users` relates to both auth and chat tables. A relation to
 * a module that is not installed fails only when a query uses it.
 */
import { relations } from 'drizzle-orm';
import { userProfiles, users } from './auth.ts';
import { chatSessions, deletedMessages, messageCitations, messageFeedback, messages } from './chat.ts';

/** Lets relational queries join a user's `profile`, and (with the link module) their `sessions`, `feedback` and `deletedMessages`. */
export const usersRelations = relations(users, ({ one, many }) => ({
  profile: one(userProfiles),
  sessions: many(chatSessions), // link module
  feedback: many(messageFeedback), // link module
  deletedMessages: many(deletedMessages), // link module
}));

/** Lets relational queries join a profile's `user`. */
export const userProfilesRelations = relations(userProfiles, ({ one }) => ({
  user: one(users, { fields: [userProfiles.userId], references: [users.id] }),
}));

/** Lets relational queries join a session's `messages`, and (with the link module) its `user`. */
export const chatSessionsRelations = relations(chatSessions, ({ one, many }) => ({
  user: one(users, { fields: [chatSessions.userId], references: [users.id] }), // link module
  messages: many(messages),
}));

/** Lets relational queries join a message's `session`, `citations` and `feedback`. */
export const messagesRelations = relations(messages, ({ one, many }) => ({
  session: one(chatSessions, { fields: [messages.sessionId], references: [chatSessions.id] }),
  citations: many(messageCitations),
  feedback: many(messageFeedback),
}));

/** Lets relational queries join a citation's `message`. */
export const messageCitationsRelations = relations(messageCitations, ({ one }) => ({
  message: one(messages, { fields: [messageCitations.messageId], references: [messages.id] }),
}));

/** Lets relational queries join a rating's `message`, and (with the link module) its `user`. */
export const messageFeedbackRelations = relations(messageFeedback, ({ one }) => ({
  message: one(messages, { fields: [messageFeedback.messageId], references: [messages.id] }),
  user: one(users, { fields: [messageFeedback.userId], references: [users.id] }), // link module
}));

/** Lets relational queries join a deleted message's `user` (with the link module). */
export const deletedMessagesRelations = relations(deletedMessages, ({ one }) => ({
  user: one(users, { fields: [deletedMessages.userId], references: [users.id] }), // link module
}));
