-- Link module: foreign keys from the chat tables to users (src/schema/link.ts, linkForeignKeys).
-- Refuses, naming the ids, when chat rows point at users that do not exist
-- (a database that ran `--scope chat` with an external auth provider first).
DO $$
DECLARE
  orphan_count bigint;
  examples text;
BEGIN
  WITH orphans AS (
    SELECT user_id FROM chat_sessions
    UNION
    SELECT user_id FROM message_feedback
    EXCEPT
    SELECT id FROM users
  )
  SELECT count(*), (SELECT string_agg(user_id::text, ', ') FROM (SELECT user_id FROM orphans ORDER BY user_id LIMIT 5) AS first_five)
    INTO orphan_count, examples
    FROM orphans;
  IF orphan_count > 0 THEN
    RAISE EXCEPTION 'cannot link chat to auth: % user id(s) in chat_sessions or message_feedback have no row in users, for example %', orphan_count, examples
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Insert those users (INSERT INTO users (id, email) ...) or delete their chat rows, then run init again.';
  END IF;
END
$$;
--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "message_feedback" ADD CONSTRAINT "message_feedback_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
