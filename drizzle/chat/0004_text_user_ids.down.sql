-- Back to uuid user ids: the reverse of 0004_text_user_ids.sql, in one transaction. Refused, naming up to 5, while a
-- user id is not a uuid in its canonical lowercase form (converting would lose it, or change its text). The link
-- module's foreign keys and the rls module's policies that exist are dropped and put back (the policies in their
-- uuid form, as before the up file); with the link module installed, users.id and user_profiles.user_id go back to
-- uuid too (the foreign keys need both sides alike).
-- rag-chat-db-lint-ignore changing-column-type: text to uuid rewrites each user_id column's table under the ACCESS EXCLUSIVE lock ALTER TABLE takes and this transaction holds to its end; there is no online way to change a column's type
-- 0. Refuse before changing anything, naming up to 5 ids (with the link module, users.id too: it goes back with them).
DO $$
DECLARE
  linked boolean := EXISTS (SELECT 1 FROM pg_constraint WHERE conname IN ('chat_sessions_user_id_users_id_fk', 'message_feedback_user_id_users_id_fk', 'deleted_messages_user_id_users_id_fk') AND connamespace = 'public'::regnamespace);
  users_are_text boolean := (SELECT atttypid FROM pg_attribute WHERE attrelid = to_regclass('public.users') AND attname = 'id') = 'text'::regtype;
  refused bigint;
  examples text;
BEGIN
  IF linked AND users_are_text THEN
    WITH bad AS (SELECT user_id FROM (SELECT id FROM users UNION SELECT user_id FROM chat_sessions UNION SELECT user_id FROM message_feedback UNION SELECT user_id FROM deleted_messages) AS ids(user_id) WHERE user_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
    SELECT count(*), (SELECT string_agg(quote_literal(user_id), ', ') FROM (SELECT user_id FROM bad ORDER BY user_id LIMIT 5) AS first_five)
      INTO refused, examples FROM bad;
  ELSE
    WITH bad AS (SELECT user_id FROM (SELECT user_id FROM chat_sessions UNION SELECT user_id FROM message_feedback UNION SELECT user_id FROM deleted_messages) AS ids(user_id) WHERE user_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
    SELECT count(*), (SELECT string_agg(quote_literal(user_id), ', ') FROM (SELECT user_id FROM bad ORDER BY user_id LIMIT 5) AS first_five)
      INTO refused, examples FROM bad;
  END IF;
  IF refused > 0 THEN
    RAISE EXCEPTION 'cannot convert user ids back to uuid: % user id(s) are not uuids, for example %', refused, examples
      USING ERRCODE = 'invalid_text_representation',
            HINT = 'Delete the rows of those users (or give them uuid ids) first, or keep this migration.';
  END IF;
END
$$;
--> statement-breakpoint
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
ALTER TABLE "chat_sessions" DROP CONSTRAINT "chat_sessions_user_id_check";
--> statement-breakpoint
ALTER TABLE "message_feedback" DROP CONSTRAINT "message_feedback_user_id_check";
--> statement-breakpoint
ALTER TABLE "deleted_messages" DROP CONSTRAINT "deleted_messages_user_id_check";
--> statement-breakpoint
ALTER TABLE "chat_sessions" ALTER COLUMN "user_id" SET DATA TYPE uuid USING "user_id"::uuid;
--> statement-breakpoint
ALTER TABLE "message_feedback" ALTER COLUMN "user_id" SET DATA TYPE uuid USING "user_id"::uuid;
--> statement-breakpoint
ALTER TABLE "deleted_messages" ALTER COLUMN "user_id" SET DATA TYPE uuid USING "user_id"::uuid;
--> statement-breakpoint
-- users.id and user_profiles.user_id back to uuid when a link foreign key was dropped above (it needs both sides alike).
DO $$
DECLARE
  dropped text[] := string_to_array(current_setting('rag_chat_db.recreate', true), ',');
BEGIN
  IF NOT coalesce(dropped && ARRAY['chat_sessions_user_id_users_id_fk', 'message_feedback_user_id_users_id_fk', 'deleted_messages_user_id_users_id_fk'], false)
    OR (SELECT atttypid FROM pg_attribute WHERE attrelid = to_regclass('public.users') AND attname = 'id') <> 'text'::regtype THEN
    RETURN;
  END IF;
  ALTER TABLE "user_profiles" DROP CONSTRAINT "user_profiles_user_id_users_id_fk";
  ALTER TABLE "user_profiles" DROP CONSTRAINT "user_profiles_user_id_check";
  ALTER TABLE "user_profiles" ALTER COLUMN "user_id" SET DATA TYPE uuid USING "user_id"::uuid;
  ALTER TABLE "users" DROP CONSTRAINT "users_id_check";
  ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT;
  ALTER TABLE "users" ALTER COLUMN "id" SET DATA TYPE uuid USING "id"::uuid;
  ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();
  ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
END
$$;
--> statement-breakpoint
-- Last: put back what the first statement dropped, the policies in their uuid form.
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
    CREATE POLICY "chat_sessions_owner" ON "chat_sessions" USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
  END IF;
  IF 'messages_owner' = ANY (dropped) THEN
    CREATE POLICY "messages_owner" ON "messages" USING (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid)) WITH CHECK (EXISTS (SELECT 1 FROM chat_sessions s WHERE s.id = messages.session_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid));
  END IF;
  IF 'message_citations_owner' = ANY (dropped) THEN
    CREATE POLICY "message_citations_owner" ON "message_citations" USING (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid)) WITH CHECK (EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_citations.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid));
  END IF;
  IF 'message_feedback_owner' = ANY (dropped) THEN
    CREATE POLICY "message_feedback_owner" ON "message_feedback" USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid)) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid AND EXISTS (SELECT 1 FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = message_feedback.message_id AND s.user_id = nullif(current_setting('app.user_id', true), '')::uuid));
  END IF;
  IF 'deleted_messages_owner' = ANY (dropped) THEN
    CREATE POLICY "deleted_messages_owner" ON "deleted_messages" USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid) WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
  END IF;
  PERFORM set_config('rag_chat_db.recreate', '', true);
END
$$;
