CREATE TABLE "user_profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"software_background" text,
	"hardware_background" text,
	"experience_level" text,
	"preferred_language" text,
	"onboarding_completed_at" timestamp with time zone,
	"extras" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_profiles_experience_level_check" CHECK ("user_profiles"."experience_level" IN ('beginner', 'intermediate', 'advanced')),
	CONSTRAINT "user_profiles_preferred_language_check" CHECK ("user_profiles"."preferred_language" ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
	CONSTRAINT "user_profiles_extras_check" CHECK (jsonb_typeof("user_profiles"."extras") = 'object')
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"display_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_check" CHECK ("users"."email" ~ '^[^@[:space:]]+@[^@[:space:]]+$')
);
--> statement-breakpoint
ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_lower_idx" ON "users" USING btree (lower("email"));