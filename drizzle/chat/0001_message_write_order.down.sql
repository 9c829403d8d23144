-- Back to ordering by (created_at, id): the old index returns, and seq (with its identity sequence) goes.
CREATE INDEX "messages_session_id_created_at_id_idx" ON "messages" USING btree ("session_id","created_at","id");
--> statement-breakpoint
DROP INDEX "messages_session_id_seq_idx";
--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "seq";
