/** The ER diagram in docs/conversations.md is the one the schema generates; the AI SDK route in docs/ai-sdk.md is the example's code, and type-checks. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../src/migrate/files.ts';
import { diagramPage, erDiagram, readmeWithDiagram } from '../scripts/er-diagram.ts';

test("the guide's diagram matches the schema (npm run docs regenerates it)", () => {
  const readme = readFileSync(join(packageRoot, diagramPage), 'utf8');
  expect(readme).toBe(readmeWithDiagram(readme));
  expect(erDiagram()).toContain('chat_sessions ||--o{ messages : "session_id"');
  expect(erDiagram()).toContain('users ||--o| user_profiles : "user_id"');
});

test("docs/ai-sdk.md's route is examples/rag-api/chat.mjs: its imports, then its chat-route region", () => {
  const readme = readFileSync(join(packageRoot, 'docs/ai-sdk.md'), 'utf8');
  const file = readFileSync(join(packageRoot, 'examples/rag-api/chat.mjs'), 'utf8');
  const importsEnd = "from 'rag-chat-db';";
  const imports = file.slice(file.indexOf('import {'), file.indexOf(importsEnd) + importsEnd.length);
  const region = /\n( *)\/\/ #region chat-route\n([\s\S]*?)\n *\/\/ #endregion chat-route\n/.exec(file);
  expect(region, 'a chat-route region in chat.mjs').not.toBeNull();
  const body = region![2]!
    .split('\n')
    .map((line) => line.slice(region![1]!.length))
    .join('\n');
  const expected = `${imports}\n\n${body}\n`;
  const section = readme.slice(readme.indexOf('\n## The route\n'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  expect(block?.[1]).toBe(expected);
});

test("the AI SDK route type-checks against the installed `ai` (strict, as a TypeScript user would paste it; 'rag-chat-db' is dist/, from npm run build)", () => {
  const tsc = join(packageRoot, 'node_modules/typescript/bin/tsc');
  const files = ['examples/rag-api/chat.mjs', 'examples/rag-api/mock-ai.mjs', 'examples/rag-api/streams.mjs'];
  const options = ['--noEmit', '--allowJs', '--checkJs', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node'];
  try {
    execFileSync(process.execPath, [tsc, ...options, ...files], { cwd: packageRoot, encoding: 'utf8' });
  } catch (error) {
    throw new Error(`tsc: ${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
}, 60_000);
