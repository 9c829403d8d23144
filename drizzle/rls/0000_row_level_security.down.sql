DROP POLICY "message_feedback_owner" ON "message_feedback";
--> statement-breakpoint
DROP POLICY "message_citations_owner" ON "message_citations";
--> statement-breakpoint
DROP POLICY "messages_owner" ON "messages";
--> statement-breakpoint
DROP POLICY "chat_sessions_owner" ON "chat_sessions";
--> statement-breakpoint
ALTER TABLE "message_feedback" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_feedback" DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_citations" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "message_citations" DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "messages" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "messages" DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "chat_sessions" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "chat_sessions" DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE SELECT, INSERT, UPDATE, DELETE ON chat_sessions, messages, message_citations, message_feedback FROM rag_chat_app;
--> statement-breakpoint
REVOKE USAGE ON SCHEMA public FROM rag_chat_app;
--> statement-breakpoint
DO $$
BEGIN
  DROP ROLE IF EXISTS rag_chat_app;
EXCEPTION WHEN dependent_objects_still_exist THEN
  RAISE NOTICE 'role rag_chat_app is still used by another database; kept';
END
$$;
