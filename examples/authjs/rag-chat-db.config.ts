// rag-chat-db.config.ts
import { defineConfig } from 'rag-chat-db/migrate';

export default defineConfig({
  modules: [
    {
      name: 'app',
      folder: 'drizzle/app',
      schema: 'src/db/auth-schema.ts', // Auth.js's tables, from its Drizzle adapter's documentation
      requires: ['chat'], // --layout all: ['link']
    },
  ],
});
