-- Text user ids (issue 14; userIdPattern in src/schema/columns.ts): the chat tables' user_id columns become text
-- holding 1 to 255 printable ASCII characters without spaces, so the ids of any auth provider fit (better-auth, Clerk,
-- Auth0, WorkOS); existing uuids stay valid as their text. Everything in this file's one transaction: the link
-- module's foreign keys and the rls module's policies depend on the columns' type, so they are dropped first and
-- put back after (the policies in their text form, as rls/0000 and rls/0001 now create them); with the link module
-- installed, users.id must change type together with the chat columns, so it is converted here too if
-- auth/0001_text_user_ids left it (see that file).
-- rag-chat-db-lint-ignore changing-column-type, constraint-missing-not-valid: uuid to text rewrites each user_id column's table under the ACCESS EXCLUSIVE lock ALTER TABLE takes and this transaction holds to its end, so NOT VALID then VALIDATE would shorten no lock; there is no online way to change a column's type
-- 1. Drop what depends on the user id columns' type, remembering it for the last statement (a setting local to
-- this transaction): the link module's foreign keys and the rls module's policies, those that exist.
DO $$
DECLARE
  dropped text[] := '{}';
  item record;
BEGIN
  FOR item IN
    SELECT conrelid::regclass AS on_table, conname AS name FROM pg_constraint
      WHERE conname IN ('chat_sessions_user_id_users_id_fk', 'message_feedback_user_id_users_id_fk', 'deleted_messages_user_id_users_id_fk') AND connamespace = 'public'::regnamespace
    ORDER BY conname
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', item.on_table, item.name);
    dropped := dropped || item.name::text;
  END LOOP;
  FOR item IN
    SELECT polrelid::regclass AS on_table, polname AS name FROM pg_policy
      WHERE polname IN ('chat_sessions_owner', 'messages_owner', 'message_citations_owner', 'message_feedback_owner', 'deleted_messages_owner') AND polrelid::regclass::text IN ('chat_sessions', 'messages', 'message_citations', 'message_feedback', 'deleted_messages')
    ORDER BY polname
  LOOP
    EXECUTE format('DROP POLICY %I ON %s', item.name, item.on_table);
    dropped := dropped || item.name::text;
  END LOOP;
  PERFORM set_config('rag_chat_db.recreate', array_to_string(dropped, ','), true);
END
$$;
--> statement-breakpoint
-- 2. The chat columns.
ALTER TABLE "chat_sessions" ALTER COLUMN "user_id" SET DATA TYPE text;
--> statement-breakpoint
ALTER TABLE "message_feedback" ALTER COLUMN "user_id" SET DATA TYPE text;
--> statement-breakpoint
ALTER TABLE "deleted_messages" ALTER COLUMN "user_id" SET DATA TYPE text;
--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_id_check" CHECK ("chat_sessions"."user_id" ~ '^[!-~]{1,255}$');
--> statement-breakpoint
ALTER TABLE "message_feedback" ADD CONSTRAINT "message_feedback_user_id_check" CHECK ("message_feedback"."user_id" ~ '^[!-~]{1,255}$');
--> statement-breakpoint
ALTER TABLE "deleted_messages" ADD CONSTRAINT "deleted_messages_user_id_check" CHECK ("deleted_messages"."user_id" ~ '^[!-~]{1,255}$');
--> statement-breakpoint
-- 3. users.id and user_profiles.user_id, as auth/0001_text_user_ids converts them, when the auth module is installed
-- and they are still uuid (that file did nothing while the link module's foreign keys held them to uuid chat columns).
DO $$
BEGIN
  IF to_regclass('public.users') IS NULL
    OR (SELECT atttypid FROM pg_attribute WHERE attrelid = to_regclass('public.users') AND attname = 'id') <> 'uuid'::regtype THEN
    RETURN;
  END IF;
  ALTER TABLE "user_profiles" DROP CONSTRAINT "user_profiles_user_id_users_id_fk";
  ALTER TABLE "users" ALTER COLUMN "id" SET DATA TYPE text;
  ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text;
  ALTER TABLE "users" ADD CONSTRAINT "users_id_check" CHECK ("users"."id" ~ '^[!-~]{1,255}$');
  ALTER TABLE "user_profiles" ALTER COLUMN "user_id" SET DATA TYPE text;
  ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_user_id_check" CHECK ("user_profiles"."user_id" ~ '^[!-~]{1,255}$');
  ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
END
$$;
--> statement-breakpoint
-- Last: put back what the first statement dropped, the policies in their text form.
DO $$
DECLARE
  dropped text[] := string_to_array(current_setting('rag_chat_db.recreate', true), ',');
BEGIN
  IF 'chat_sessions_user_id_users_id_fk' = ANY (dropped) THEN
    ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
  END IF;
  IF 'message_feedback_user_id_users_id_fk' = ANY (dropped) THEN
    ALTER TABLE "message_feedback" ADD CONSTRAINT "message_feedback_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
  END IF;
  IF 'deleted_messages_user_id_users_id_fk' = ANY (dropped) THEN
    ALTER TABLE "deleted_messages" ADD CONSTRAINT "deleted_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
  END IF;
  IF 'chat_sessions_owner' = ANY (dropped) THEN
    CREATE POLICY "chat_sessions_owner" ON "chat_sessions" USING (user_id = nullif(current_setting('app.user_id', true), '')) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), ''));
  END IF;
  IF 'messages_owner' = ANY (dropped) THEN
    CREATE POLICY "messages_owner" ON "messages" USING (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
  END IF;
  IF 'message_citations_owner' = ANY (dropped) THEN
    CREATE POLICY "message_citations_owner" ON "message_citations" USING (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
  END IF;
  IF 'message_feedback_owner' = ANY (dropped) THEN
    CREATE POLICY "message_feedback_owner" ON "message_feedback" USING (user_id = nullif(current_setting('app.user_id', true), '') AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), ''))) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '') AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')));
  END IF;
  IF 'deleted_messages_owner' = ANY (dropped) THEN
    CREATE POLICY "deleted_messages_owner" ON "deleted_messages" USING (user_id = nullif(current_setting('app.user_id', true), '')) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), ''));
  END IF;
  PERFORM set_config('rag_chat_db.recreate', '', true);
END
$$;
