/**
 * The link module: what joins auth and chat when both are installed.
 *
 * The chat module must run alone, with user ids from an external auth
 * provider, so its tables carry no foreign key to `users`. When both modules
 * are present (`--scope all`), the link module's migrations add these foreign
 * keys. drizzle-kit cannot generate a constraint on tables another module
 * owns, so the link migrations are custom SQL written from `linkForeignKeys`;
 * a test checks that the installed constraints are exactly these.
 *
 * It has no tables of its own: `drizzle-kit generate` for it writes nothing.
 *
 * `rag-chat-db link-users` (src/migrate/link-users.ts) derives from this list
 * the constraints it points at an auth provider's user table instead.
 */

/** A foreign key the link module adds from a chat table's user id column to `users`. */
export interface LinkForeignKey {
  /** The constraint's name. */
  name: string;
  /** The chat table it is on. */
  table: string;
  /** Its user id column. */
  column: string;
  /** What it references: `users.id`. */
  references: { table: string; column: string };
  /** Deleting the user deletes the row. */
  onDelete: 'cascade';
}

/** The foreign keys the link module installs (from `chat_sessions`, `message_feedback` and `deleted_messages` to `users.id`, each ON DELETE CASCADE): deleting a user deletes what is theirs. */
export const linkForeignKeys: readonly LinkForeignKey[] = [
  {
    // Deleting a user deletes their sessions, and with them messages, citations and feedback.
    name: 'chat_sessions_user_id_users_id_fk',
    table: 'chat_sessions',
    column: 'user_id',
    references: { table: 'users', column: 'id' },
    onDelete: 'cascade',
  },
  {
    // ...and the feedback they gave on anyone's messages.
    name: 'message_feedback_user_id_users_id_fk',
    table: 'message_feedback',
    column: 'user_id',
    references: { table: 'users', column: 'id' },
    onDelete: 'cascade',
  },
  {
    // ...and the record of messages they deleted (rate limiting), link/0001.
    name: 'deleted_messages_user_id_users_id_fk',
    table: 'deleted_messages',
    column: 'user_id',
    references: { table: 'users', column: 'id' },
    onDelete: 'cascade',
  },
];
