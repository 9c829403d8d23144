CREATE TABLE "chat_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_message_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	"last_activity_at" timestamp with time zone GENERATED ALWAYS AS (coalesce("chat_sessions"."last_message_at", "chat_sessions"."created_at")) STORED NOT NULL,
	CONSTRAINT "chat_sessions_metadata_check" CHECK (jsonb_typeof("chat_sessions"."metadata") = 'object')
);
--> statement-breakpoint
CREATE TABLE "message_citations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"message_id" uuid NOT NULL,
	"document_id" text NOT NULL,
	"chunk_id" text,
	"score" double precision,
	"citation_index" integer NOT NULL,
	"title" text,
	"url" text,
	"snippet" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_citations_message_id_citation_index_key" UNIQUE("message_id","citation_index"),
	CONSTRAINT "message_citations_citation_index_check" CHECK ("message_citations"."citation_index" >= 1),
	CONSTRAINT "message_citations_score_check" CHECK ("message_citations"."score" > '-Infinity'::float8 AND "message_citations"."score" < 'Infinity'::float8)
);
--> statement-breakpoint
CREATE TABLE "message_feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"rating" text NOT NULL,
	"reason" text,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_feedback_message_id_user_id_key" UNIQUE("message_id","user_id"),
	CONSTRAINT "message_feedback_rating_check" CHECK ("message_feedback"."rating" IN ('up', 'down'))
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"selected_text" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "messages"."content")) STORED,
	CONSTRAINT "messages_role_check" CHECK ("messages"."role" IN ('user', 'assistant', 'system', 'tool')),
	CONSTRAINT "messages_metadata_check" CHECK (jsonb_typeof("messages"."metadata") = 'object')
);
--> statement-breakpoint
ALTER TABLE "message_citations" ADD CONSTRAINT "message_citations_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_feedback" ADD CONSTRAINT "message_feedback_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."chat_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_sessions_user_id_last_activity_at_id_idx" ON "chat_sessions" USING btree ("user_id","last_activity_at","id") WHERE "chat_sessions"."archived_at" IS NULL;--> statement-breakpoint
CREATE INDEX "chat_sessions_user_id_archived_at_idx" ON "chat_sessions" USING btree ("user_id","archived_at");--> statement-breakpoint
CREATE INDEX "message_citations_document_id_chunk_id_idx" ON "message_citations" USING btree ("document_id","chunk_id");--> statement-breakpoint
CREATE INDEX "message_feedback_user_id_idx" ON "message_feedback" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "messages_session_id_created_at_id_idx" ON "messages" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "messages_search_vector_idx" ON "messages" USING gin ("search_vector");