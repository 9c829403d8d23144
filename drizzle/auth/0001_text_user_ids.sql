-- Text user ids (issue 14; userIdPattern in src/schema/columns.ts): users.id and user_profiles.user_id become text
-- holding 1 to 255 printable ASCII characters without spaces, so the ids of any auth provider fit (better-auth, Clerk,
-- Auth0, WorkOS); existing uuids stay valid as their text, and users.id keeps a random uuid's text as its default.
-- When the link module's foreign keys tie users.id to chat columns that are still uuid (a database installed with
-- --scope all before this migration), this file does nothing: users.id cannot change type alone while uuid columns
-- reference it, and auth applies before chat, so chat/0004_text_user_ids converts both sides, and the foreign keys
-- between them, in its one transaction.
DO $$
DECLARE
  users_id_type regtype := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attname = 'id');
  chat_user_id_type regtype := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = to_regclass('public.chat_sessions') AND attname = 'user_id');
  linked boolean := EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'chat_sessions_user_id_users_id_fk' AND conrelid = to_regclass('public.chat_sessions'));
BEGIN
  IF users_id_type = 'text'::regtype THEN
    RETURN; -- converted already (by chat/0004_text_user_ids after a rollback of this file)
  END IF;
  IF linked AND chat_user_id_type = 'uuid'::regtype THEN
    RETURN; -- chat/0004_text_user_ids converts users.id together with the chat columns that reference it
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
