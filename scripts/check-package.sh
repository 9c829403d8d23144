#!/usr/bin/env bash
# The package as a consumer gets it: only dist/, drizzle/ (the migrations, read in place), prisma/schema.prisma, README, LICENSE and package.json; publint and
# arethetypeswrong clean; installed from the tarball into a scratch ESM project, where all four
# entry points import, type-check and run (migrations and a helper on an in-memory PGlite), and the root
# entry loads no node: builtin, no postgres.js and no PGlite (it must bundle for edge runtimes); then the
# application migration workflow runs there (scripts/consumer-workflow.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
npm run build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"

unexpected=$(tar tzf "$tarball" | sed 's|^package/||' | grep -vE '^(dist/.*|drizzle/(auth|chat|link|rls)/.*|prisma/schema\.prisma|README\.md|LICENSE|package\.json)$' || true)
if [ -n "$unexpected" ]; then echo "unexpected files in the package:"; echo "$unexpected"; exit 1; fi
# The Prisma schema ships, byte for byte (the README tells Prisma users to copy it from node_modules).
tar xzf "$tarball" -C "$work" package/prisma/schema.prisma
cmp "$work/package/prisma/schema.prisma" prisma/schema.prisma

npx publint --strict
# attw checks code entry points; the Prisma schema is a file, not a module (checked below).
npx attw "$tarball" --profile esm-only --exclude-entrypoints ./prisma/schema.prisma

mkdir "$work/consumer" && cd "$work/consumer"
echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json
# drizzle-orm is a peer dependency, as are the drivers (postgres.js, PGlite): the consumer brings them.
peer() { node -p "require('$root/package.json').devDependencies['$1']"; }
npm install --no-audit --no-fund --silent "$tarball" typescript@~5.9.3 @types/node@^20 \
  "drizzle-orm@$(peer drizzle-orm)" "postgres@$(peer postgres)" "@electric-sql/pglite@$(peer @electric-sql/pglite)" \
  "drizzle-kit@$(peer drizzle-kit)" "squawk-cli@$(peer squawk-cli)"
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "include": ["*.ts"] }
JSON
cat > consumer.ts <<'TS'
import { addMessage, createSession, createUser, getConversationWithCitations, type Conversation, type Executor } from 'rag-chat-db';
import { closeDb, createDb, createEmbeddedDb, type EmbeddedDatabase, type PostgresDatabase } from 'rag-chat-db/node';
import { messages, tablesFilter, tablesFilterFor, type Message } from 'rag-chat-db/schema';
import { addMessageInput } from 'rag-chat-db/validators';
import { migrate, openEmbedded } from 'rag-chat-db/migrate';

const filters: string[][] = [tablesFilter, tablesFilterFor('chat')]; // what drizzle-kit's config takes
void filters;
const role: Message['role'] = 'user';
addMessageInput.parse({ sessionId: crypto.randomUUID(), userId: crypto.randomUUID(), role, content: 'hi' });
const client = await openEmbedded('memory://');
await migrate(client, { scope: 'all' });
await client.close();
void messages;
const typed: (db: Parameters<typeof createUser>[0]) => Promise<Conversation> = async (db) => {
  const user = await createUser(db, { email: 'consumer@example.test' });
  const session = await createSession(db, { userId: user.id });
  await addMessage(db, { sessionId: session.id, userId: user.id, role, content: 'hi' });
  return getConversationWithCitations(db, { sessionId: session.id, userId: user.id });
};
void typed;
const executors: Executor[] = [] as (PostgresDatabase | EmbeddedDatabase)[];
void executors;
void createDb;
void createEmbeddedDb;
void closeDb;
TS
npx tsc -p .
cat > consumer.mjs <<'JS'
import { addMessage, createSession, createUser, getConversationWithCitations } from 'rag-chat-db';
import { closeDb, createEmbeddedDb } from 'rag-chat-db/node';
import { migrate, openEmbedded } from 'rag-chat-db/migrate';
import { insertMessageSchema } from 'rag-chat-db/validators';
import { messages, tablesFilter } from 'rag-chat-db/schema';
if (!tablesFilter.includes('!messages') || !tablesFilter.includes('!users')) throw new Error(`tablesFilter: ${tablesFilter}`);
const dir = `${process.cwd()}/db`;
const client = await openEmbedded(dir);
await migrate(client, { scope: 'all' });
await client.close();
const db = await createEmbeddedDb(dir);
const user = await createUser(db, { email: 'consumer@example.test' });
const session = await createSession(db, { userId: user.id });
await addMessage(db, { sessionId: session.id, userId: user.id, role: 'user', content: 'hello from a consumer' });
const { messages: shown } = await getConversationWithCitations(db, { sessionId: session.id, userId: user.id });
await closeDb(db);
if (shown[0]?.content !== 'hello from a consumer' || !insertMessageSchema || !messages) throw new Error('consumer check failed');
console.log('consumer: migrated, wrote and read a conversation through the packed package');
JS
node consumer.mjs
# The root entry, as the consumer's Node resolves it: nothing Node-only may load with it.
cp "$root/scripts/loaded-modules.mjs" .
node loaded-modules.mjs rag-chat-db > root-loads.json
node -e '
const loaded = JSON.parse(require("fs").readFileSync("root-loads.json", "utf8"));
const bad = loaded.filter((url) => url.startsWith("node:") || /\/node_modules\/(postgres|@electric-sql\/pglite)\//.test(url) || /drizzle-orm\/(pglite|postgres-js)\//.test(url));
if (!loaded.some((url) => url.endsWith("/node_modules/rag-chat-db/dist/index.js")) || bad.length) { console.error("import \"rag-chat-db\" loaded:", bad); process.exit(1); }
console.log(`consumer: import "rag-chat-db" loads ${loaded.length} modules, none a node: builtin, postgres.js or PGlite`);
'
npx rag-chat-db --version >/dev/null
# Where the README says to copy the Prisma schema from, and its export path, as the consumer's Node resolves it.
cmp node_modules/rag-chat-db/prisma/schema.prisma "$root/prisma/schema.prisma"
node --input-type=module -e '
import { fileURLToPath } from "node:url";
const path = fileURLToPath(import.meta.resolve("rag-chat-db/prisma/schema.prisma"));
if (!path.endsWith("/node_modules/rag-chat-db/prisma/schema.prisma")) { console.error("rag-chat-db/prisma/schema.prisma resolved to", path); process.exit(1); }
console.log("consumer: node_modules/rag-chat-db/prisma/schema.prisma is in the package and exported");
'
# The application migration workflow, end to end, on the test server.
bash "$root/scripts/consumer-workflow.sh"
echo "package: ok"
