/**
 * A scratch consumer project: a package.json of its own, `rag-chat-db` and
 * its peers resolvable from a node_modules of its own (links to this
 * checkout, whose dist/ the global setup builds, and to its dependencies),
 * a rag-chat-db.config file and an application module's schema. Nothing
 * is written into this checkout's node_modules.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { packageRoot } from '../../src/migrate/files.ts';

/** A fenced ```ts block of the README, found by its first line (a comment naming the file), in the section under `heading`. */
export function readmeBlock(firstLine: string, heading = '## Migrations for your own schema'): string {
  const whole = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const readme = whole.slice(whole.indexOf(`\n${heading}\n`));
  const start = readme.indexOf(`\`\`\`ts\n${firstLine}\n`);
  if (start === -1) throw new Error(`README has no \`\`\`ts block starting with ${firstLine}`);
  const body = readme.slice(start + '```ts\n'.length);
  return body.slice(0, body.indexOf('```'));
}

/** The README's application module, exactly as "Migrations for your own schema" shows it: config and schema. */
export const readmeConfig = readmeBlock('// rag-chat-db.config.ts');
/** The seed's example: a column the application adds to our `users`, and a table of its own referencing it. */
export const timezoneSchema = readmeBlock('// src/db/schema.ts');

export interface ConsumerProject {
  dir: string;
  /** Every file under dir except node_modules, relative, sorted. */
  files(): string[];
  write(path: string, text: string): void;
}

export function consumerProject(options: { config?: { file: string; text: string }; schema?: string } = {}): ConsumerProject {
  const dir = mkdtempSync(join(tmpdir(), 'rcdb-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageRoot, join(dir, 'node_modules', 'rag-chat-db'));
  for (const name of ['drizzle-orm', 'drizzle-kit', 'postgres', 'zod', 'drizzle-zod', 'squawk-cli', 'jiti']) {
    const target = join(packageRoot, 'node_modules', name);
    if (existsSync(target)) symlinkSync(target, join(dir, 'node_modules', name));
  }
  const project: ConsumerProject = {
    dir,
    files: () => walk(dir).map((path) => relative(dir, path)).sort(),
    write: (path, text) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
  };
  project.write('package.json', '{ "name": "consumer", "private": true, "type": "module" }\n');
  project.write(options.config?.file ?? 'rag-chat-db.config.ts', options.config?.text ?? readmeConfig);
  project.write('src/db/schema.ts', options.schema ?? timezoneSchema);
  return project;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
