DROP POLICY "deleted_messages_owner" ON "deleted_messages";
--> statement-breakpoint
ALTER TABLE "deleted_messages" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "deleted_messages" DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE SELECT, INSERT, UPDATE, DELETE ON deleted_messages FROM rag_chat_app;
