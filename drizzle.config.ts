/**
 * One config for every module; pick the module with RAG_CHAT_DB_MODULE:
 *
 *   RAG_CHAT_DB_MODULE=chat npx drizzle-kit generate
 *   RAG_CHAT_DB_MODULE=chat DATABASE_URL=... npx drizzle-kit migrate
 */
import { defineConfig } from 'drizzle-kit';
import { isModuleName, migrationsSchema, moduleNames, modules } from './src/migrate/modules.ts';

const name = process.env.RAG_CHAT_DB_MODULE;
if (!isModuleName(name)) {
  throw new Error(
    `Set RAG_CHAT_DB_MODULE to one of ${moduleNames.join(', ')} (got ${name ? JSON.stringify(name) : 'nothing'}), ` +
      'for example: RAG_CHAT_DB_MODULE=chat npx drizzle-kit generate',
  );
}
const selected = modules[name];

export default defineConfig({
  dialect: 'postgresql',
  schema: `./${selected.schemaFile}`,
  out: `./${selected.migrationsFolder}`,
  migrations: { schema: migrationsSchema, table: selected.migrationsTable },
  ...(process.env.DATABASE_URL ? { dbCredentials: { url: process.env.DATABASE_URL } } : {}),
  strict: true,
  verbose: true,
});
