/**
 * `link-users` itself: the SQL it writes (derived from linkForeignKeys), its
 * refusals before writing anything, and the up file's own refusals on a
 * real database (orphan ids, a uuid-typed provider id, no provider table),
 * then applied through init and removed by rollback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { exitCodes } from '../../src/cli.ts';
import { splitStatements } from '../../src/migrate/files.ts';
import { linkUsersMigration } from '../../src/migrate/index.ts';
import { linkForeignKeys } from '../../src/schema/link.ts';
import { cli } from '../support/cli.ts';
import { consumerProject } from '../support/consumer-project.ts';
import { connect, dropDatabase, installModules } from '../support/databases.ts';
import { foreignKeysTo, scratchDatabase } from './support.ts';

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await dropDatabase(inject('adminUrl'), name);
});

describe('linkUsersMigration', () => {
  test("layout chat: a key from each user-id column linkForeignKeys links to our users; layout all: one, from what they reference", () => {
    const chat = linkUsersMigration({ table: 'user' });
    expect(chat.foreignKeys.map(({ table, column }) => `${table}.${column}`)).toEqual(linkForeignKeys.map(({ table, column }) => `${table}.${column}`));
    const all = linkUsersMigration({ table: 'user', layout: 'all' });
    expect(all.foreignKeys).toEqual([{ table: 'users', column: 'id', name: 'users_id_user_id_fk' }]);
    for (const { up, down, foreignKeys } of [chat, all]) {
      for (const fk of foreignKeys) {
        expect(up).toContain(`ALTER TABLE "${fk.table}" ADD CONSTRAINT "${fk.name}" FOREIGN KEY ("${fk.column}") REFERENCES "public"."user"("id") ON DELETE cascade`);
      }
      expect(splitStatements(down)).toEqual([...foreignKeys].reverse().map((fk) => `ALTER TABLE "${fk.table}" DROP CONSTRAINT "${fk.name}";`));
    }
    expect(linkUsersMigration({ table: 'accounts', column: 'user_id', schema: 'auth' }).up).toContain('REFERENCES "auth"."accounts"("user_id")');
  });

  test('refuses names that are not plain identifiers, and our own tables', () => {
    expect(() => linkUsersMigration({ table: 'user"; DROP TABLE users; --' })).toThrow(/the table "user"; DROP TABLE users; --" is not a plain identifier/);
    expect(() => linkUsersMigration({ table: 'user', column: '$$' })).toThrow(/the column "\$\$" is not a plain identifier/);
    expect(() => linkUsersMigration({ table: 'users' })).toThrow(/"users" is one of rag-chat-db's tables/);
  });
});

describe('rag-chat-db link-users refuses, writing nothing', () => {
  const providerTable = "import { pgTable, text } from 'drizzle-orm/pg-core';\nexport const user = pgTable('user', { id: text('id').primaryKey() });\n";
  const config = (modules: string) => ({ file: 'rag-chat-db.config.mjs', text: `export default { modules: ${modules} };\n` });
  const module = (name: string, requires: string[]) => `{ name: '${name}', folder: 'drizzle/${name}', schema: 'src/db/schema.ts', requires: ${JSON.stringify(requires)} }`;

  test.each([
    ['no application module', '[]', [], 'this project has none: declare one in rag-chat-db.config.ts'],
    ['a module that does not require chat', `[${module('app', [])}]`, [], "module app must require chat"],
    ['layout all without link', `[${module('app', ['chat'])}]`, ['--layout', 'all'], "module app must require link"],
    ['two modules, none named', `[${module('app', ['chat'])}, ${module('more', ['chat'])}]`, [], 'say which application module takes the migration: --module app | more'],
    ['one of ours', `[${module('app', ['chat'])}]`, ['--module', 'chat'], "chat is one of rag-chat-db's own"],
  ])('%s', async (_, modules, extra, message) => {
    const project = consumerProject({ config: config(modules), schema: providerTable });
    const before = project.files();
    const run = await cli(['link-users', 'user', ...extra], { cwd: project.dir });
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(exitCodes.refused);
    expect(project.files()).toEqual(before);
  });

  test('a bad command line', async () => {
    const project = consumerProject({ config: config(`[${module('app', ['chat'])}]`), schema: providerTable });
    expect((await cli(['link-users'], { cwd: project.dir })).code).toBe(exitCodes.usage);
    expect((await cli(['link-users', 'a.b.c'], { cwd: project.dir })).code).toBe(exitCodes.usage);
    expect((await cli(['link-users', 'user', '--layout', 'some'], { cwd: project.dir })).code).toBe(exitCodes.usage);
  });
});

describe('the up file on a database', () => {
  /** The chat module, a provider table made by `create`, and the link-users up file applied in one transaction. */
  async function applyLink(create: string, options: Parameters<typeof linkUsersMigration>[0] = { table: 'user' }, before?: string) {
    const url = await scratchDatabase(created, 'linkusers');
    await installModules(url, ['chat']);
    const sql = connect(url, 1);
    try {
      if (create) await sql.unsafe(create);
      if (before) await sql.unsafe(before);
      await sql.begin(async (tx) => {
        for (const statement of splitStatements(linkUsersMigration(options).up)) await tx.unsafe(statement);
      });
      return url;
    } finally {
      await sql.end();
    }
  }

  test("a uuid-typed provider id: refused, naming the type", async () => {
    await expect(applyLink('CREATE TABLE "user" (id uuid PRIMARY KEY)')).rejects.toThrow('cannot link users to "public"."user"("id"): its type is uuid, and our user ids are text');
  });

  test('no provider table yet: refused, saying to create it first', async () => {
    await expect(applyLink('')).rejects.toThrow('cannot link users to "public"."user": there is no such table');
    await expect(applyLink('CREATE TABLE "user" (key text PRIMARY KEY)')).rejects.toThrow('it has no column "id"');
  });

  test('a varchar id in another schema (--schema) is linked', async () => {
    const url = await applyLink('CREATE SCHEMA auth; CREATE TABLE auth.member (member_id varchar(64) PRIMARY KEY)', { table: 'member', column: 'member_id', schema: 'auth' });
    expect(await foreignKeysTo(url, 'auth.member')).toEqual([
      'chat_sessions.user_id -> auth.member c',
      'deleted_messages.user_id -> auth.member c',
      'message_feedback.user_id -> auth.member c',
    ]);
  });

  test('through the CLI: init refuses orphan ids (naming 5), applies once they exist, and rollback removes the keys', { timeout: 120_000 }, async () => {
    const project = consumerProject({
      config: { file: 'rag-chat-db.config.mjs', text: "export default { modules: [{ name: 'app', folder: 'drizzle/app', schema: 'src/db/schema.ts', requires: ['chat'] }] };\n" },
    });
    const cwd = project.dir;
    expect((await cli(['new', 'provider users', '--module', 'app', '--custom'], { cwd })).code).toBe(0);
    project.write('drizzle/app/0000_provider_users.sql', 'CREATE TABLE "user" ("id" text PRIMARY KEY);\n');
    project.write('drizzle/app/0000_provider_users.down.sql', 'DROP TABLE "user";\n');
    const url = await scratchDatabase(created, 'linkcli');
    const env = { DATABASE_URL: url };
    expect((await cli(['init', '--scope', 'chat'], { cwd, env })).code).toBe(0);
    const sql = connect(url, 1);
    try {
      const ghosts = Array.from({ length: 7 }, (_, i) => `ghost-${i + 1}`);
      await sql`INSERT INTO chat_sessions (user_id) SELECT unnest(${ghosts}::text[])`;
      await sql`INSERT INTO deleted_messages (user_id, role, sent_at) VALUES ('ghost-8', 'user', now())`;

      const written = await cli(['link-users', 'user'], { cwd });
      expect(written.stdout).toContain('created drizzle/app/0001_link_users_to_user.sql');
      expect(readFileSync(join(cwd, 'drizzle/app/0001_link_users_to_user.down.sql'), 'utf8')).not.toContain('draft');
      expect((await cli(['lint'], { cwd })).stdout).toContain('lint: no problems');
      const twice = await cli(['link-users', 'user'], { cwd });
      expect(twice.code).toBe(exitCodes.refused);
      expect(twice.stderr).toContain('module app has this link already (0001_link_users_to_user.sql)');

      const refused = await cli(['init', '--scope', 'chat'], { cwd, env });
      expect(refused.code).toBe(exitCodes.failed);
      expect(refused.stderr).toContain(
        'cannot link users to "public"."user": 8 user id(s) in chat_sessions, message_feedback, deleted_messages have no row in "public"."user", for example ghost-1, ghost-2, ghost-3, ghost-4, ghost-5',
      );
      expect(await foreignKeysTo(url, 'public."user"')).toEqual([]);

      await sql`INSERT INTO "user" (id) SELECT 'ghost-' || n FROM generate_series(1, 8) AS n`;
      expect((await cli(['init', '--scope', 'chat'], { cwd, env })).code).toBe(0);
      expect(await foreignKeysTo(url, 'public."user"')).toHaveLength(3);
      await sql`DELETE FROM "user" WHERE id IN ('ghost-1', 'ghost-8')`;
      expect(await sql`SELECT user_id FROM chat_sessions WHERE user_id IN ('ghost-1', 'ghost-2') UNION ALL SELECT user_id FROM deleted_messages`).toEqual([{ user_id: 'ghost-2' }]);

      const rolledBack = await cli(['rollback', '--module', 'app'], { cwd, env });
      expect(rolledBack.stdout).toContain('rolled back app/0001_link_users_to_user');
      expect(await foreignKeysTo(url, 'public."user"')).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
