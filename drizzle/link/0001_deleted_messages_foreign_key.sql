-- Link module: deleting a user deletes the record of their deleted messages too (src/schema/link.ts, linkForeignKeys).
-- Records of users with no row in users (a database that ran `--scope chat` first, whose user deleted every
-- session) are dropped first: they only served that user's rate limit. Not restored by the down file.
DO $$
DECLARE
  dropped bigint;
BEGIN
  DELETE FROM deleted_messages d WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id);
  GET DIAGNOSTICS dropped = ROW_COUNT;
  IF dropped > 0 THEN
    RAISE NOTICE 'dropped % record(s) of deleted messages whose user has no row in users', dropped;
  END IF;
END
$$;
--> statement-breakpoint
ALTER TABLE "deleted_messages" ADD CONSTRAINT "deleted_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
