-- What user-driven deletes removed, one row per message and no content, so rate limits count what was sent
-- (src/schema/chat.ts, deletedMessages). A new, empty table: nothing to backfill.
CREATE TABLE "deleted_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deleted_messages_role_check" CHECK ("deleted_messages"."role" IN ('user', 'assistant', 'system', 'tool'))
);
--> statement-breakpoint
CREATE INDEX "deleted_messages_user_id_role_sent_at_idx" ON "deleted_messages" USING btree ("user_id","role","sent_at");--> statement-breakpoint
CREATE INDEX "deleted_messages_sent_at_idx" ON "deleted_messages" USING btree ("sent_at");