-- Back to messages without client ids, parts, status or usage, and sessions without a stream id. What saveUIMessages
-- stored beyond content and metadata (parts: reasoning, tool calls, files, ...; client ids; usage) is dropped; every
-- message and its content stay.
ALTER TABLE "messages" DROP CONSTRAINT "messages_session_id_client_id_key";
--> statement-breakpoint
ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_active_stream_id_check";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_client_id_check";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_parts_check";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_status_check";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_tokens_check";
--> statement-breakpoint
ALTER TABLE "chat_sessions" DROP COLUMN "active_stream_id";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "client_id";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "parts";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "status";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "model";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "input_tokens";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "output_tokens";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "total_tokens";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "finish_reason";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "latency_ms";
