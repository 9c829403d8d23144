-- AI SDK conversations (issue 13; src/schema/chat.ts): a message keeps the id the client knows it by (client_id,
-- unique within its session), its UIMessage parts (JSONB, in order), a status and typed usage columns; a session
-- keeps the id of the stream an answer is being written to. Existing messages get their own uuid's text as client id
-- (deterministic, so the unique constraint holds and their ids stay what they were) and no parts: loadUIMessages
-- shows a message without parts as one text part of its content. Every existing message is complete.
-- client_id is backfilled in one UPDATE (a rewrite of messages, under the table lock of this transaction), before
-- its NOT NULL and default: a volatile default in ADD COLUMN would give existing rows random ids instead.
-- rag-chat-db-lint-ignore adding-not-nullable-field, constraint-missing-not-valid, disallowed-unique-constraint: the backfill rewrites every message under the ACCESS EXCLUSIVE lock ALTER TABLE "messages" takes and this transaction holds to its end, so NOT VALID then VALIDATE, or an index built CONCURRENTLY (impossible in a transaction), would shorten no lock; on chat_sessions only a CHECK of a new, empty column is scanned
-- rag-chat-db-lint-ignore prefer-bigint-over-int: token counts and latency of one message stay far below 2^31
ALTER TABLE "chat_sessions" ADD COLUMN "active_stream_id" text;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "client_id" text;
--> statement-breakpoint
UPDATE "messages" SET "client_id" = "id"::text;
--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "client_id" SET DEFAULT (gen_random_uuid())::text;
--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "client_id" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parts" jsonb;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "status" text DEFAULT 'complete' NOT NULL;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "model" text;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "input_tokens" integer;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "output_tokens" integer;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "total_tokens" integer;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "finish_reason" text;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "latency_ms" integer;
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_session_id_client_id_key" UNIQUE("session_id","client_id");
--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_active_stream_id_check" CHECK (char_length("chat_sessions"."active_stream_id") BETWEEN 1 AND 200);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_client_id_check" CHECK (char_length("messages"."client_id") BETWEEN 1 AND 200);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_parts_check" CHECK (jsonb_typeof("messages"."parts") = 'array');
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_status_check" CHECK ("messages"."status" IN ('streaming', 'complete', 'error', 'aborted'));
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_tokens_check" CHECK ("messages"."input_tokens" >= 0 AND "messages"."output_tokens" >= 0 AND "messages"."total_tokens" >= 0 AND "messages"."latency_ms" >= 0);
