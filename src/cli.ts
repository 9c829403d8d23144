#!/usr/bin/env node
/**
 * The `rag-chat-db` command. It runs against $DATABASE_URL (never printed
 * with its password).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { moduleNames, modules } from './migrate/modules.ts';
import { packageRoot } from './migrate/files.ts';

const usage = `Usage: rag-chat-db <command> [options]

Commands:
  modules          list the installable modules and what they need

Options:
  -h, --help       show this help
  -v, --version    show the version
`;

export function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  });
  const [command] = positionals;
  if (values.version) {
    const { version } = JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')) as { version: string };
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (values.help || command === undefined) {
    process.stdout.write(usage);
    return 0;
  }
  if (command === 'modules') {
    for (const name of moduleNames) {
      const { requires, migrationsFolder } = modules[name];
      process.stdout.write(`${name}\t${migrationsFolder}\t${requires.length ? `needs ${requires.join(', ')}` : 'stands alone'}\n`);
    }
    return 0;
  }
  process.stderr.write(`rag-chat-db: unknown command "${command}"\n\n${usage}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
