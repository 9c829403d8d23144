ALTER TABLE "deleted_messages" DROP CONSTRAINT "deleted_messages_user_id_users_id_fk";
