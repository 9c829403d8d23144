-- Back to uuid user ids. Refused, naming up to 5, while a user id is not a uuid in its canonical lowercase form
-- (converting would lose it, or change its text). Mirrors the up file: with the link module's foreign keys to chat
-- columns that are text, nothing changes here; chat/0004_text_user_ids.down.sql converts both sides together.
DO $$
DECLARE
  users_id_type regtype := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attname = 'id');
  chat_user_id_type regtype := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = to_regclass('public.chat_sessions') AND attname = 'user_id');
  linked boolean := EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'chat_sessions_user_id_users_id_fk' AND conrelid = to_regclass('public.chat_sessions'));
  refused bigint;
  examples text;
BEGIN
  IF users_id_type = 'uuid'::regtype THEN
    RETURN;
  END IF;
  IF linked AND chat_user_id_type = 'text'::regtype THEN
    RETURN;
  END IF;
  SELECT count(*), (SELECT string_agg(quote_literal(id), ', ') FROM (SELECT id FROM users WHERE id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' ORDER BY id LIMIT 5) AS first_five)
    INTO refused, examples
    FROM users WHERE id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
  IF refused > 0 THEN
    RAISE EXCEPTION 'cannot convert user ids back to uuid: % id(s) in users are not uuids, for example %', refused, examples
      USING ERRCODE = 'invalid_text_representation',
            HINT = 'Delete those users (or give them uuid ids) first, or keep this migration.';
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
