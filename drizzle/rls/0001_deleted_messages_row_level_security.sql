-- rls module: the record of deleted messages (chat/0002) under the same rule as the other chat tables (src/schema/rls.ts):
-- a row is visible and writable only inside a transaction whose app.user_id setting names its user.
GRANT SELECT, INSERT, UPDATE, DELETE ON deleted_messages TO rag_chat_app;
--> statement-breakpoint
ALTER TABLE "deleted_messages" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "deleted_messages" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "deleted_messages_owner" ON "deleted_messages" USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
