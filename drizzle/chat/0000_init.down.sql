DROP TABLE "message_feedback";
--> statement-breakpoint
DROP TABLE "message_citations";
--> statement-breakpoint
DROP TABLE "messages";
--> statement-breakpoint
DROP TABLE "chat_sessions";
