-- rag-chat-db: amends 6edbccc0167a1044789bfe2ba905f4e8597e066907437449c25434ca7ae6a6e8: user ids became text (chat/0004_text_user_ids), so the policies compare them as text, without ::uuid; chat/0004 recreates the policies of a database that applied the uuid form
-- rls module: row-level security on the chat tables (src/schema/rls.ts).
-- Every row is visible only inside a transaction whose app.user_id setting names its owner
-- (withUser sets it); with no setting, nothing is visible. rag_chat_app has no BYPASSRLS.
-- The role is cluster-wide: created if missing, and kept by the down file while another database uses it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_chat_app') THEN
    CREATE ROLE rag_chat_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- created meanwhile by a migration of another database
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO rag_chat_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON chat_sessions, messages, message_citations, message_feedback TO rag_chat_app;
--> statement-breakpoint
ALTER TABLE "chat_sessions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "chat_sessions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "messages" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_citations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_citations" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_feedback" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_feedback" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "chat_sessions_owner" ON "chat_sessions" USING (user_id = nullif(current_setting('app.user_id', true), '')) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), ''));
--> statement-breakpoint
CREATE POLICY "messages_owner" ON "messages" USING (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
--> statement-breakpoint
CREATE POLICY "message_citations_owner" ON "message_citations" USING (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
--> statement-breakpoint
CREATE POLICY "message_feedback_owner" ON "message_feedback" USING (user_id = nullif(current_setting('app.user_id', true), '') AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '') AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
