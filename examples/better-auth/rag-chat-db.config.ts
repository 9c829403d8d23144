// rag-chat-db.config.ts
import { defineConfig } from 'rag-chat-db/migrate';

export default defineConfig({
  modules: [
    {
      name: 'app',
      folder: 'drizzle/app',
      schema: 'src/db/auth-schema.ts', // better-auth's tables (npx @better-auth/cli generate)
      requires: ['chat'], // --layout all: ['link']
    },
  ],
});
