-- rag-chat-db: amends d25042542faec3a9dc15ed4ba2be995076e1fc3cd608fb2ac10f94c12cdd6667: user ids became text (chat/0004_text_user_ids), so the policies compare them as text, without ::uuid; chat/0004 recreates the policies of a database that applied the uuid form
-- rls module: the record of deleted messages (chat/0002) under the same rule as the other chat tables (src/schema/rls.ts):
-- a row is visible and writable only inside a transaction whose app.user_id setting names its user.
GRANT SELECT, INSERT, UPDATE, DELETE ON deleted_messages TO rag_chat_app;
--> statement-breakpoint
ALTER TABLE "deleted_messages" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "deleted_messages" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "deleted_messages_owner" ON "deleted_messages" USING (user_id = nullif(current_setting('app.user_id', true), '')) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), ''));
