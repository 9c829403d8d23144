/** The README's ER diagram is the one the schema generates. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../src/migrate/files.ts';
import { erDiagram, readmeWithDiagram } from '../scripts/er-diagram.ts';

test('the README diagram matches the schema (npm run docs regenerates it)', () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  expect(readme).toBe(readmeWithDiagram(readme));
  expect(erDiagram()).toContain('chat_sessions ||--o{ messages : "session_id"');
  expect(erDiagram()).toContain('users ||--o| user_profiles : "user_id"');
});
