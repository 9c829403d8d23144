/**
 * Every fenced block of README.md and docs/*.md (the generated docs/api
 * aside) is exercised, so a sample cannot drift from the API:
 *
 * - ts / js after `<!-- sample: <file>#<region>[+<region>...] -->` (or a
 *   whole `<file>`): equal to that region of a file the tests run or
 *   type-check (`// #region name` ... `// #endregion name`, dedented; several
 *   regions joined by a blank line);
 * - any other ts / js: type-checked, strict, against the built package
 *   (dist/, mapped by path from package.json's exports), each block a module
 *   of its own, with the names in `prelude` declared;
 * - sql: run on a scratch database with every module installed, in a
 *   transaction that is rolled back;
 * - bash: every `npx rag-chat-db <command> [flags]` is accepted by the CLI
 *   itself (the command and its flags, with --help added, exit 0), and
 *   every `npm run <script>` names a script of package.json;
 * - mermaid: the ER diagram the schema generates (scripts/er-diagram.ts);
 * - text: the layout tree, which names every file under src/ and no file
 *   that does not exist;
 * - dotenv: each variable is one the library reads, each URL one
 *   parseDatabaseUrl accepts.
 *
 * A block no rule covers fails. Relative links between the pages must also
 * land on a file and, with a #fragment, on one of its headings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli.ts';
import { parseDatabaseUrl } from '../../src/connection/database-url.ts';
import { packageRoot } from '../../src/migrate/files.ts';
import { erDiagram } from '../../scripts/er-diagram.ts';
import { useDatabase } from '../support/context.ts';

interface Block {
  /** Page, relative to the package root. */
  page: string;
  /** Line of the opening fence (1-based). */
  line: number;
  language: string;
  code: string;
  /** `<!-- sample: ... -->` on the line before the fence. */
  sample?: string;
}

const pages = ['README.md', ...readdirSync(join(packageRoot, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

function blocksOf(page: string, text = readFileSync(join(packageRoot, page), 'utf8')): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end === -1) throw new Error(`${page}:${i + 1}: a fence that is never closed`);
    const sample = /^<!-- sample: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ page, line: i + 1, language: open[1]!.trim(), code: lines.slice(i + 1, end).join('\n') + '\n', ...(sample ? { sample } : {}) });
    i = end;
  }
  return blocks;
}

const blocks = pages.flatMap((page) => blocksOf(page));
const where = (block: Block) => `${block.page}:${block.line}`;

type Rule = 'sample' | 'typecheck' | 'sql' | 'cli' | 'mermaid' | 'layout' | 'dotenv';

/** The rule that exercises a block, or undefined: a block no rule covers. */
function ruleOf(block: Block): Rule | undefined {
  if (block.sample) return ['ts', 'js'].includes(block.language) ? 'sample' : undefined;
  switch (block.language) {
    case 'ts':
    case 'js':
      return 'typecheck';
    case 'sql':
      return 'sql';
    case 'bash':
      return 'cli';
    case 'mermaid':
      return 'mermaid';
    case 'text':
      return 'layout';
    case 'dotenv':
      return 'dotenv';
    default:
      return undefined;
  }
}

const byRule = (rule: Rule) => blocks.filter((block) => ruleOf(block) === rule);

test('every block of README.md and docs/*.md is exercised by a rule', () => {
  expect(blocks.length).toBeGreaterThan(30);
  expect(blocks.filter((block) => ruleOf(block) === undefined).map((block) => `${where(block)} (${block.language || 'no language'})`)).toEqual([]);
});

/** A `// #region name` of a file, dedented, or the whole file. */
function regionOf(path: string, region?: string): string {
  const file = readFileSync(join(packageRoot, path), 'utf8');
  if (region === undefined) return file;
  const match = new RegExp(`\\n( *)// #region ${region}\\n([\\s\\S]*?)\\n *// #endregion ${region}\\n`).exec(`\n${file}`);
  if (!match) throw new Error(`${path} has no region ${region}`);
  return `${match[2]!
    .split('\n')
    .map((line) => line.slice(match[1]!.length))
    .join('\n')}\n`;
}

describe('samples that are regions of files the tests run', () => {
  test.each(byRule('sample').map((block) => [where(block), block] as const))('%s', (_, block) => {
    const [path, regions] = block.sample!.split('#');
    const expected = regions === undefined ? regionOf(path!) : regions.split('+').map((region) => regionOf(path!, region)).join('\n');
    expect(block.code).toBe(expected);
  });
});

/**
 * What the samples may use without defining it: what a route or a script
 * has at hand. Declared globally, so a sample's own declaration of a name
 * shadows it.
 */
const prelude = `// Names the samples use without defining them.
declare const db: import('rag-chat-db').Executor;
declare const userId: string;
declare const sessionId: string;
declare const messageId: string;
declare const messages: import('ai').UIMessage[];
declare const model: import('ai').LanguageModel;
declare function currentUserId(request: Request): Promise<string>;
`;

test('the ts / js samples type-check against the built package (strict)', () => {
  const samples = byRule('typecheck');
  expect(samples.length).toBeGreaterThan(5);
  const dir = mkdtempSync(join(tmpdir(), 'rcdb-samples-'));
  try {
    symlinkSync(join(packageRoot, 'node_modules'), join(dir, 'node_modules'));
    // 'rag-chat-db', 'rag-chat-db/node', ...: each entry point's declarations in dist/, as package.json exports them.
    const exports = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).exports as Record<string, { types?: string } | string>;
    const paths = Object.fromEntries(
      Object.entries(exports)
        .filter(([, target]) => typeof target === 'object' && target.types)
        .map(([key, target]) => [key.replace(/^\./, 'rag-chat-db'), [join(packageRoot, (target as { types: string }).types)]]),
    );
    expect(Object.keys(paths)).toContain('rag-chat-db/node');
    const files = new Map<string, Block>();
    samples.forEach((block, i) => {
      const name = `${basename(block.page, '.md')}-${block.line}-${i}.${block.language === 'js' ? 'js' : 'ts'}`;
      writeFileSync(join(dir, name), `${block.code}\nexport {};\n`);
      files.set(name, block);
    });
    writeFileSync(join(dir, 'prelude.d.ts'), prelude);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      allowJs: true,
      checkJs: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      types: ['node'],
      paths,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['prelude.d.ts', ...files.keys()] }));
    try {
      execFileSync(process.execPath, [join(packageRoot, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? String(error);
      // Each error at the page and line of the sample it is in.
      const located = output.replace(/^([\w.-]+)\((\d+),(\d+)\)/gm, (all, name: string, line: string) => {
        const block = files.get(name);
        return block ? `${block.page}:${block.line + Number(line)}` : all;
      });
      throw new Error(`samples do not type-check:\n${located}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe('sql samples run on a database with every module installed (rolled back)', () => {
  const t = useDatabase();
  class RolledBack extends Error {}
  test.each(byRule('sql').map((block) => [where(block), block] as const))('%s', async (_, block) => {
    await expect(
      t.sql.begin(async (tx) => {
        await tx.unsafe(block.code);
        throw new RolledBack();
      }),
    ).rejects.toBeInstanceOf(RolledBack);
  });
});

/** The commands of a shell line: continuation lines joined, comments cut, split on && || ; |, then into words. */
function commandsOf(code: string): string[][] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\$\([^)]*\)/g, 'X').replace(/(^|\s)#.*$/, ''))
    .flatMap((line) => line.split(/&&|\|\||;|\|/))
    .map((command) => [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]!))
    .map((words) => words.slice(words.findIndex((word) => !/^[A-Z_][A-Z0-9_]*=/.test(word))))
    .filter((words) => words.length > 0);
}

describe('bash samples name real commands and flags', () => {
  const scripts = Object.keys(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).scripts as object);
  test.each(byRule('cli').map((block) => [where(block), block] as const))('%s', async (_, block) => {
    for (const words of commandsOf(block.code)) {
      if (words[0] === 'npm' && words[1] === 'run') expect(scripts, words.join(' ')).toContain(words[2]);
      if (words[0] !== 'npx') continue;
      const rest = words.slice(1).filter((word) => word !== '--no-install');
      if (rest[0] !== 'rag-chat-db') continue;
      // The CLI's own definitions decide: an unknown command or flag is a usage error (exit 2), --help returns before connecting.
      const out: string[] = [];
      const err: string[] = [];
      const cwd = mkdtempSync(join(tmpdir(), 'rcdb-samples-cli-'));
      try {
        const code = await main([...rest.slice(1), '--help'], { out: (line) => out.push(line), err: (line) => err.push(line), env: { PATH: process.env.PATH }, cwd });
        expect({ command: words.join(' '), code, err: err.join('\n') }).toEqual({ command: words.join(' '), code: 0, err: '' });
        expect(out.join('\n')).toContain('Usage: rag-chat-db');
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }
  });
});

test('the mermaid block is the ER diagram the schema generates', () => {
  const diagrams = byRule('mermaid');
  expect(diagrams.length).toBeGreaterThan(0);
  for (const block of diagrams) expect(`\`\`\`mermaid\n${block.code}\`\`\``, where(block)).toBe(erDiagram());
});

/** Every file git tracks under src/. */
function sourceFiles(dir = join(packageRoot, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [relative(packageRoot, join(dir, entry.name))]));
}

test('the layout names every file under src/, and only files that exist', () => {
  const layouts = byRule('layout');
  expect(layouts.length).toBe(1);
  const text = layouts[0]!.code;
  // Rows are `folder/   a.ts, b.ts (...)`; a file is named by its base name within its folder's row(s).
  const rows = new Map<string, string>();
  let folder = '';
  for (const line of text.split('\n')) {
    const start = /^(\S+)\s/.exec(line)?.[1];
    if (start !== undefined) folder = start.endsWith('/') ? start : dirname(start) + '/';
    rows.set(folder, `${rows.get(folder) ?? ''}\n${line}`);
  }
  const missing = sourceFiles().filter((path) => {
    const row = rows.get(`${dirname(path)}/`) ?? '';
    return !new RegExp(`(^|[\\s/,(])${basename(path).replace('.', '\\.')}\\b`).test(row);
  });
  expect(missing, 'files under src/ the layout does not name').toEqual([]);
  const named = [...text.matchAll(/(?:^|[\s,(])([\w<][\w./<>-]*\.(?:ts|mjs|sql|prisma|sh))\b/gm)].map((match) => match[1]!);
  const absent = named.filter((name) => {
    if (name.includes('<') || existsSync(join(packageRoot, name))) return false;
    const word = new RegExp(`(^|[\\s/,(])${name.replace(/\./g, '\\.')}\\b`);
    return ![...rows.entries()].some(([row, lines]) => word.test(lines) && existsSync(join(packageRoot, row, name)));
  });
  expect(absent, 'files the layout names that do not exist').toEqual([]);
});

test('dotenv samples set variables the library reads, to URLs it accepts', () => {
  const source = sourceFiles()
    .map((path) => readFileSync(join(packageRoot, path), 'utf8'))
    .join('\n');
  for (const block of byRule('dotenv')) {
    for (const line of block.code.split('\n').filter((text) => text.trim() && !text.startsWith('#'))) {
      const [key, ...value] = line.split('=');
      expect(source, `${where(block)}: ${key} is read by the library`).toMatch(new RegExp(`\\b${key}\\b`));
      if (key!.endsWith('URL') || key!.endsWith('URL_UNPOOLED')) expect(() => parseDatabaseUrl(value.join('=')), where(block)).not.toThrow();
    }
  }
});

/** GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

test('relative links land on a page and, with a fragment, on one of its headings', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(packageRoot, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, fragment] = target!.split('#');
      const file = path ? join(dirname(join(packageRoot, page)), path) : join(packageRoot, page);
      if (!existsSync(file)) {
        broken.push(`${page}: ${target}`);
        continue;
      }
      if (fragment === undefined || !file.endsWith('.md')) continue;
      const headings = readFileSync(file, 'utf8')
        .replace(/```[\s\S]*?```/g, '')
        .split('\n')
        .filter((line) => /^#+ /.test(line))
        .map((line) => anchorOf(line.replace(/^#+ /, '')));
      if (!headings.includes(fragment)) broken.push(`${page}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

test('the README is short, and a reader finds each task in one click', () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  expect(readme).toMatch(/\[Store an AI SDK chat\]\(docs\/ai-sdk\.md\)/);
  expect(readme).toMatch(/\[Add my own migration\]\(docs\/migrations\.md\)/);
  expect(readme).toMatch(/\[Use Neon's HTTP driver\]\(docs\/neon\.md#neons-http-driver-and-edge-runtimes\)/);
  expect(readme).toMatch(/\[Use better-auth users\]\(docs\/auth-providers\.md#with-better-auth\)/);
  for (const page of pages.filter((path) => path.startsWith('docs/') && path !== 'docs/README.md')) {
    expect(readFileSync(join(packageRoot, 'docs/README.md'), 'utf8'), `docs/README.md links ${page}`).toContain(`](${basename(page)})`);
  }
});

test('no page uses words a reader cannot know', () => {
  for (const page of pages) {
    const text = readFileSync(join(packageRoot, page), 'utf8');
    expect(text, page).not.toMatch(/\bthe seed\b|\bseed's\b|original brief/i);
  }
});

test("docs/performance.md's current results are bench/results/latest.md", () => {
  const guide = readFileSync(join(packageRoot, 'docs/performance.md'), 'utf8');
  const copy = guide.slice(guide.indexOf('<!-- bench:start -->\n') + '<!-- bench:start -->\n'.length, guide.indexOf('<!-- bench:end -->'));
  expect(copy).toBe(`${readFileSync(join(packageRoot, 'bench/results/latest.md'), 'utf8').trimEnd()}\n`);
});

test('each guide opens with the task it serves', () => {
  for (const page of pages.filter((path) => path.startsWith('docs/') && path !== 'docs/README.md')) {
    const text = readFileSync(join(packageRoot, page), 'utf8');
    expect(text.split('\n\n')[1], page).toMatch(/^You want /);
  }
});

test("the CLI reference has a row for every command of the CLI's own help", async () => {
  const out: string[] = [];
  expect(await main(['--help'], { out: (line) => out.push(line), err: () => {}, env: {}, cwd: packageRoot })).toBe(0);
  const help = out.join('\n');
  const commands = [...help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:'))).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1]!);
  expect(commands).toContain('init');
  const guide = readFileSync(join(packageRoot, 'docs/migrations.md'), 'utf8');
  expect(commands.filter((command) => !guide.includes(`| \`${command}`))).toEqual([]);
});
