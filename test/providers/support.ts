/**
 * docs/auth-providers.md's "Bring your own users" sections, run: a scratch consumer
 * project with an example's files (examples/better-auth, examples/authjs),
 * the section's shell commands run through the CLI in it, and a database
 * of its own; plus the checks every provider test makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import type { Executor } from '../../src/queries/executor.ts';
import {
  addMessage,
  deleteMessagesAfter,
  getConversationWithCitations,
  getPersonalizationContext,
  loadUIMessages,
  saveUIMessages,
  setFeedback,
  upsertProfile,
} from '../../src/queries/index.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { cli } from '../support/cli.ts';
import { type ConsumerProject, consumerProject } from '../support/consumer-project.ts';
import { connect, createDatabase, databaseName, type Sql } from '../support/databases.ts';

export type Example = 'better-auth' | 'authjs';
export type Layout = 'chat' | 'all';

const readme = () => readFileSync(join(packageRoot, 'docs/auth-providers.md'), 'utf8');

/** The text of a section of docs/auth-providers.md, from its heading to the next heading of the same or a higher level (outside code blocks). */
export function readmeSection(heading: string): string {
  const lines = readme().split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`docs/auth-providers.md has no heading "${heading}"`);
  const level = heading.indexOf(' ');
  let fenced = false;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) fenced = !fenced;
    const headingLevel = /^(#+) /.exec(line)?.[1]?.length;
    if (!fenced && headingLevel !== undefined && headingLevel <= level) break;
    body.push(line);
  }
  return body.join('\n');
}

/** The fenced blocks of one language in a section, in order. */
export function blocksOf(section: string, language: string): string[] {
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]!);
}

export function exampleFile(example: Example, path: string): string {
  return readFileSync(join(packageRoot, 'examples', example, path), 'utf8');
}

/** A `// #region name` of an example file, dedented. */
export function exampleRegion(example: Example, path: string, region: string): string {
  const file = exampleFile(example, path);
  const match = new RegExp(`\\n( *)// #region ${region}\\n([\\s\\S]*?)\\n *// #endregion ${region}\\n`).exec(file);
  if (!match) throw new Error(`examples/${example}/${path} has no region ${region}`);
  return `${match[2]!
    .split('\n')
    .map((line) => line.slice(match[1]!.length))
    .join('\n')}\n`;
}

/** The config for a layout: as the example has it for `chat`; for `all`, with the change its comment names. */
export function configFor(example: Example, layout: Layout): string {
  const text = exampleFile(example, 'rag-chat-db.config.ts');
  return layout === 'chat' ? text : text.replace("requires: ['chat'], // --layout all: ['link']", "requires: ['link'],");
}

/** A consumer project holding the example's config (for the layout) and its provider schema. */
export function providerProject(example: Example, layout: Layout): ConsumerProject {
  const project = consumerProject({ config: { file: 'rag-chat-db.config.ts', text: configFor(example, layout) } });
  project.write('src/db/auth-schema.ts', exampleFile(example, 'src/db/auth-schema.ts'));
  return project;
}

/** Splits a command line on spaces, keeping "double-quoted" words whole. */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

/**
 * Runs a shell block of the guide in the project: each `npx rag-chat-db ...`
 * through the CLI (stopping at the first failure), a `# review ...` line by
 * deleting the draft marker of the down files `new` wrote (the review it
 * asks for), and the provider's own schema generator (network) by the
 * example's copy of its output, already in place. `--layout L` in a
 * command's comment marks it as for that layout only.
 */
export async function runShellBlock(block: string, project: ConsumerProject, env: NodeJS.ProcessEnv, layout: Layout): Promise<string[]> {
  const ran: string[] = [];
  for (const line of block.split('\n')) {
    const [command = '', comment = ''] = line.split(/\s+#\s*|^#\s*/);
    const only = /--layout (chat|all) only/.exec(comment)?.[1];
    if (only && only !== layout) continue;
    if (line.startsWith('# review')) {
      // "delete the down file's draft line; add "<comment>" to the up file": done to each migration `new` drafted.
      const addition = /add "([^"]+)" to the up file/.exec(line)?.[1];
      for (const file of project.files().filter((path) => path.endsWith('.down.sql'))) {
        const text = readFileSync(join(project.dir, file), 'utf8');
        if (!text.startsWith('-- rag-chat-db: draft\n')) continue;
        writeFileSync(join(project.dir, file), text.split('\n').slice(2).join('\n'));
        const up = join(project.dir, file.replace(/\.down\.sql$/, '.sql'));
        if (addition) writeFileSync(up, `${addition}\n${readFileSync(up, 'utf8')}`);
      }
      ran.push('review');
      continue;
    }
    for (const part of command.split('&&').map((text) => text.trim()).filter(Boolean)) {
      const args = words(part);
      if (args[0] !== 'npx') throw new Error(`unexpected command in docs/auth-providers.md: ${part}`);
      if (args[1] !== 'rag-chat-db') {
        // The provider's schema generator: the example holds its output.
        expect(part).toContain('src/db/auth-schema.ts');
        continue;
      }
      const run = await cli(args.slice(2), { cwd: project.dir, env });
      expect(run.code, `${part}\n${run.stdout}\n${run.stderr}`).toBe(0);
      ran.push(args.slice(2).join(' '));
    }
  }
  return ran;
}

/** A database of its own on the test server (dropped by the caller's afterAll through `created`). */
export async function scratchDatabase(created: string[], kind: string): Promise<string> {
  const name = databaseName(inject('ownerPid'), kind);
  created.push(name);
  return createDatabase(inject('adminUrl'), name);
}

/** How many rows of ours, and of the provider's user table, hold this user id. */
export async function rowsHeldFor(url: string, userId: string, providerTable = 'user'): Promise<Record<string, number>> {
  const sql = connect(url, 1);
  try {
    const hasUsers = (await sql`SELECT to_regclass('public.users') IS NOT NULL AS present`)[0]!.present as boolean;
    const [row] = await sql<Record<string, number>[]>`
      SELECT (SELECT count(*) FROM chat_sessions WHERE user_id = ${userId})::int AS sessions,
             (SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.user_id = ${userId})::int AS messages,
             (SELECT count(*) FROM message_citations c JOIN messages m ON m.id = c.message_id JOIN chat_sessions s ON s.id = m.session_id
               WHERE s.user_id = ${userId})::int AS citations,
             (SELECT count(*) FROM message_feedback WHERE user_id = ${userId})::int AS feedback,
             (SELECT count(*) FROM deleted_messages WHERE user_id = ${userId})::int AS "deletedMessages",
             (SELECT count(*) FROM ${sql(providerTable)} WHERE id = ${userId})::int AS provider`;
    const ours = hasUsers
      ? (
          await sql<Record<string, number>[]>`
            SELECT (SELECT count(*) FROM users WHERE id = ${userId})::int AS users,
                   (SELECT count(*) FROM user_profiles WHERE user_id = ${userId})::int AS profiles`
        )[0]!
      : {};
    return { ...row!, ...ours };
  } finally {
    await sql.end();
  }
}

/** What link-users adds to a database for each layout, as foreignKeysTo lists it: each key ON DELETE CASCADE (`c`) to "user". */
export function linkedForeignKeys(layout: Layout): string[] {
  return layout === 'chat'
    ? ['chat_sessions.user_id -> "user" c', 'deleted_messages.user_id -> "user" c', 'message_feedback.user_id -> "user" c']
    : ['users.id -> "user" c'];
}

/** The foreign keys that reference the provider's table, as `table.column -> target`. */
export async function foreignKeysTo(url: string, target: string): Promise<string[]> {
  const sql: Sql = connect(url, 1);
  try {
    const rows = await sql<{ fk: string }[]>`
      SELECT conrelid::regclass::text || '.' || a.attname || ' -> ' || confrelid::regclass::text || ' ' || confdeltype::text AS fk
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       WHERE c.contype = 'f' AND c.confrelid = to_regclass(${target}) AND c.conrelid::regclass::text NOT IN ('session', 'account')
       ORDER BY 1`;
    return rows.map((row) => row.fk);
  } finally {
    await sql.end();
  }
}

/**
 * The provider's user id through our helpers, in two sessions the guide's
 * route started (each with its question): a cited answer and its rating,
 * a retracted message (deleted: its record kept for rate limiting), AI SDK
 * UI messages with a source; with layout all, the onboarding profile and
 * getPersonalizationContext.
 */
export async function useOurHelpers(db: Executor, userId: string, [sessionId, uiSessionId]: string[], layout: Layout): Promise<void> {
  const answer = await addMessage(db, { sessionId: sessionId!, userId, role: 'assistant', content: 'A robot framework [1].', citations: [{ documentId: 'ros2', citationIndex: 1 }] });
  await setFeedback(db, { messageId: answer.id, userId, rating: 'up' });
  const retracted = await addMessage(db, { sessionId: sessionId!, userId, role: 'user', content: 'never mind' });
  await deleteMessagesAfter(db, { messageId: retracted.id, userId });
  await saveUIMessages(db, {
    sessionId: uiSessionId!,
    userId,
    messages: [{ id: 'ui-1', role: 'assistant', parts: [{ type: 'text', text: 'DDS is the middleware.' }, { type: 'source-url', sourceId: 's1', url: 'https://docs.ros.org' }] }],
  });
  const conversation = await getConversationWithCitations(db, { sessionId: sessionId!, userId });
  expect(conversation.messages.map((m) => [m.role, m.citations.length, m.feedback?.rating ?? null])).toEqual([
    ['user', 0, null],
    ['assistant', 1, 'up'],
  ]);
  expect((await loadUIMessages(db, { sessionId: uiSessionId!, userId })).messages.map((m) => m.id).at(-1)).toBe('ui-1');
  if (layout === 'all') {
    await upsertProfile(db, { userId, experienceLevel: 'beginner', preferredLanguage: 'ur' });
    expect(await getPersonalizationContext(db, { userId })).toMatchObject({ userId, experienceLevel: 'beginner', preferredLanguage: 'ur' });
  }
}

/** What useOurHelpers leaves for a user (rowsHeldFor), and the same with nothing left of ours or the provider's. */
export function heldBy(layout: Layout): { held: Record<string, number>; none: Record<string, number> } {
  const held = { sessions: 2, messages: 4, citations: 2, feedback: 1, deletedMessages: 1, provider: 1, ...(layout === 'all' ? { users: 1, profiles: 1 } : {}) };
  return { held, none: Object.fromEntries(Object.keys(held).map((key) => [key, 0])) };
}
