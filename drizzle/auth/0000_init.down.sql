DROP TABLE "user_profiles";
--> statement-breakpoint
DROP TABLE "users";
