/**
 * The rls module (`--scope rls`, needs chat): row-level security on the chat
 * tables, so a connection acting for one user cannot read or write another
 * user's rows even through raw SQL.
 *
 * Policies compare each row's owner with the transaction-local setting
 * `app.user_id` (set by `withUser`); with the setting absent nothing is
 * visible. RLS is enabled and forced, and `rag_chat_app` is a role without
 * BYPASSRLS holding the table privileges: let the application's login role
 * be a member of it (`GRANT rag_chat_app TO my_app`), or have withUser switch
 * to it. Like link, it has no tables: its migrations are custom SQL.
 */

/** The role the rls module grants the chat tables to, without BYPASSRLS: `rag_chat_app`. */
export const rlsRole = 'rag_chat_app';
/** The transaction-local setting the rls policies compare each row's owner with (`app.user_id`); withUser sets it. */
export const userIdSetting = 'app.user_id';
/** The tables the rls module puts under row-level security. */
export const rlsTables = ['chat_sessions', 'messages', 'message_citations', 'message_feedback', 'deleted_messages'] as const;
