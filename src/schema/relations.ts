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

export const usersRelations = relations(users, ({ one, many }) => ({
  profile: one(userProfiles),
  sessions: many(chatSessions), // link module
  feedback: many(messageFeedback), // link module
  deletedMessages: many(deletedMessages), // link module
}));

export const userProfilesRelations = relations(userProfiles, ({ one }) => ({
  user: one(users, { fields: [userProfiles.userId], references: [users.id] }),
}));

export const chatSessionsRelations = relations(chatSessions, ({ one, many }) => ({
  user: one(users, { fields: [chatSessions.userId], references: [users.id] }), // link module
  messages: many(messages),
}));

export const messagesRelations = relations(messages, ({ one, many }) => ({
  session: one(chatSessions, { fields: [messages.sessionId], references: [chatSessions.id] }),
  citations: many(messageCitations),
  feedback: many(messageFeedback),
}));

export const messageCitationsRelations = relations(messageCitations, ({ one }) => ({
  message: one(messages, { fields: [messageCitations.messageId], references: [messages.id] }),
}));

export const messageFeedbackRelations = relations(messageFeedback, ({ one }) => ({
  message: one(messages, { fields: [messageFeedback.messageId], references: [messages.id] }),
  user: one(users, { fields: [messageFeedback.userId], references: [users.id] }), // link module
}));

export const deletedMessagesRelations = relations(deletedMessages, ({ one }) => ({
  user: one(users, { fields: [deletedMessages.userId], references: [users.id] }), // link module
}));
