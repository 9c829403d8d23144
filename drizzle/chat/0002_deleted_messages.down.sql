-- The record of deleted messages goes, and with it what edits and deleted sessions counted for rate limits.
DROP TABLE "deleted_messages";
