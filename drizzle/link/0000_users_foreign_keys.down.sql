ALTER TABLE "message_feedback" DROP CONSTRAINT "message_feedback_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_user_id_users_id_fk";
