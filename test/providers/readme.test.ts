/**
 * The README's "Bring your own users" code: every ```ts block of the
 * better-auth and Auth.js sections is an example file, whole (its first
 * line names it), and the examples type-check (tsconfig.json includes
 * them). The ```bash blocks are run by better-auth.test.ts and
 * authjs.test.ts; the help lists the command.
 */
import { describe, expect, test } from 'vitest';
import { cli } from '../support/cli.ts';
import { blocksOf, type Example, exampleFile, readmeSection } from './support.ts';

describe.each<[string, Example]>([
  ['### With better-auth', 'better-auth'],
  ['### With Auth.js', 'authjs'],
])('README %s', (heading, example) => {
  test(`each ts block is the examples/${example} file its first line names`, () => {
    const blocks = blocksOf(readmeSection(heading), 'ts');
    expect(blocks.map((block) => block.split('\n')[0])).toEqual(['// rag-chat-db.config.ts', '// src/auth.ts', '// src/chat.ts']);
    for (const block of blocks) expect(block).toBe(exampleFile(example, block.split('\n')[0]!.slice('// '.length)));
  });

  test('one bash block, with the link-users command', () => {
    const [bash, ...more] = blocksOf(readmeSection(heading), 'bash');
    expect(more).toEqual([]);
    expect(bash).toContain('npx rag-chat-db link-users user');
  });
});

test('rag-chat-db --help and link-users --help', async () => {
  expect((await cli(['--help'])).stdout).toMatch(/\n {2}link-users <table>\[\.<column>\] /);
  const help = await cli(['link-users', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: rag-chat-db link-users <table>[.<column>] [--schema public] [--layout chat|all] [--module M]');
});
