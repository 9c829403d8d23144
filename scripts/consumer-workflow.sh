#!/usr/bin/env bash
# The application migration workflow in a scratch consumer project that installed the packed tarball
# (run by check-package.sh from that project): declare an application module, `new` "add user timezone
# preference" (ALTER TABLE on our users), a CREATE INDEX CONCURRENTLY file, lint, verify, init, status,
# rollback, re-apply, a tampered file refused, a failed no-transaction file resolved, and adopt on a
# database built with psql -f. Needs the test server: $TEST_DATABASE_URL, else postgres@127.0.0.1:5432.
set -euo pipefail
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# Not rcdb_*: the test suite drops rcdb_<pid>_* databases whose process is gone.
prefix="ragchatdb_consumer_$$"
db_url() { node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$admin" "$1"; }
databases=()
newdb() { psql "$admin" -X -q -c "CREATE DATABASE $1" >/dev/null; databases+=("$1"); db_url "$1"; }
cleanup() { for name in "${databases[@]}"; do psql "$admin" -X -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null || true; done; }
trap cleanup EXIT
fail() { echo "consumer workflow: $*" >&2; exit 1; }
# expect CODE command...: runs the command, which must exit with CODE; its output is kept in $out.
expect() { local want=$1; shift; set +e; out=$("$@" 2>&1); local got=$?; set -e; [ "$got" = "$want" ] || fail "$* exited $got, not $want:"$'\n'"$out"; }
cli() { npx --no-install rag-chat-db "$@"; }

mkdir -p src/db
cat > rag-chat-db.config.ts <<'TS'
import { defineConfig } from 'rag-chat-db/migrate';

export default defineConfig({
  modules: [{ name: 'app', folder: 'drizzle/app', schema: 'src/db/schema.ts', requires: ['auth'] }],
});
TS
cat > src/db/schema.ts <<'TS'
import { pgTable, text } from 'drizzle-orm/pg-core';

/** The column this application adds to rag-chat-db's users table (declare only yours). */
export const users = pgTable('users', { timezone: text('timezone') });
TS

# new: the consumer's drizzle-kit on the consumer's schema; into drizzle/app only.
expect 0 cli new "add user timezone preference" --module app
grep -q 'ALTER TABLE "users" ADD COLUMN "timezone" text;' drizzle/app/0000_add_user_timezone_preference.sql || fail "new: no ALTER TABLE"
[ "$(head -n 1 drizzle/app/0000_add_user_timezone_preference.down.sql)" = "-- rag-chat-db: draft" ] || fail "new: the down file is not a draft"
sed -i 1d drizzle/app/0000_add_user_timezone_preference.down.sql # reviewed

expect 0 cli new "index users by timezone" --module app --custom
printf -- '-- rag-chat-db: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_timezone_idx ON users (time_zone);\n' > drizzle/app/0001_index_users_by_timezone.sql
printf -- '-- rag-chat-db: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_timezone_idx;\n' > drizzle/app/0001_index_users_by_timezone.down.sql

expect 0 cli lint
live=$(newdb "${prefix}_live")
scratch=$(newdb "${prefix}_verify")

# The misspelt column fails the no-transaction file; the CLI names the resolve command; fixed, it resumes.
expect 1 env DATABASE_URL="$live" npx --no-install rag-chat-db init
grep -q 'rag-chat-db resolve app/0001_index_users_by_timezone --retry' <<<"$out" || fail "init did not print the resolve command: $out"
sed -i 's/(time_zone)/(timezone)/' drizzle/app/0001_index_users_by_timezone.sql
expect 0 env DATABASE_URL="$live" npx --no-install rag-chat-db resolve app/0001_index_users_by_timezone --retry
expect 0 env VERIFY_DATABASE_URL="$scratch" npx --no-install rag-chat-db verify
grep -q 'ok   roll back app/0001_index_users_by_timezone' <<<"$out" || fail "verify skipped the application's files: $out"
expect 0 env DATABASE_URL="$live" npx --no-install rag-chat-db init
grep -q 'up to date' <<<"$out" || fail "init after resolve: $out"
expect 0 env DATABASE_URL="$live" npx --no-install rag-chat-db status
grep -Eq '^app +2/2' <<<"$out" || fail "status: $out"

# Rollback and re-apply the application's module; ours stays.
expect 0 env DATABASE_URL="$live" npx --no-install rag-chat-db rollback --module app --all
[ "$(psql "$live" -X -A -t -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'timezone'")" = 0 ] || fail "rollback left the column"
expect 0 env DATABASE_URL="$live" npx --no-install rag-chat-db init
[ "$(psql "$live" -X -A -t -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_timezone_idx'")" = 1 ] || fail "re-apply: no index"

# A tampered applied file stops every run, naming it.
cp drizzle/app/0000_add_user_timezone_preference.sql tampered.bak
echo '-- edited after it was applied' >> drizzle/app/0000_add_user_timezone_preference.sql
expect 3 env DATABASE_URL="$live" npx --no-install rag-chat-db init
grep -q 'app/0000_add_user_timezone_preference.sql changed after it was applied' <<<"$out" || fail "tamper: $out"
mv tampered.bak drizzle/app/0000_add_user_timezone_preference.sql

# adopt: a database a DBA built with psql -f, ours and the application's files, no journal.
built=$(newdb "${prefix}_psql")
for module in auth chat link; do
  for tag in $(node -p "require('./node_modules/rag-chat-db/drizzle/$module/meta/_journal.json').entries.map((e) => e.tag).join(' ')"); do
    psql "$built" -X -q -v ON_ERROR_STOP=1 -f "node_modules/rag-chat-db/drizzle/$module/$tag.sql" >/dev/null
  done
done
for file in drizzle/app/0000_add_user_timezone_preference.sql drizzle/app/0001_index_users_by_timezone.sql; do psql "$built" -X -q -v ON_ERROR_STOP=1 -f "$file" >/dev/null; done
expect 0 env DATABASE_URL="$built" npx --no-install rag-chat-db adopt
expect 0 env DATABASE_URL="$built" npx --no-install rag-chat-db init
grep -q 'up to date' <<<"$out" || fail "init after adopt: $out"
echo "consumer: the application workflow (new, lint, verify, init, status, rollback, re-apply, tamper, resolve, adopt) through the packed package"
