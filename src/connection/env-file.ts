/**
 * Reading `.env` files as dotenv (and Next.js, which uses it) does, without
 * node:util's parseEnv, which arrived in Node 20.12 (we support 20.11):
 * `KEY=value` or `export KEY=value`, `#` comments (after an unquoted value
 * too), values in '...', "..." or `...` (which may span lines), `\n` and
 * `\r` expanded inside "...", surrounding whitespace trimmed; a later
 * assignment of a key wins. No `${VAR}` expansion (dotenv has none either).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// dotenv 16's line pattern (MIT): a key, then a quoted value (which may hold newlines) or the rest of the line up to a comment.
const line =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.replace(/\r\n?/gm, '\n').matchAll(line)) {
    const key = match[1]!;
    let value = (match[2] ?? '').trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/m, '$2');
    if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    values[key] = value;
  }
  return values;
}

/** The env files the CLI reads, in order; a later file overrides an earlier one (Next.js's order, without the NODE_ENV-specific files). */
export const envFiles = ['.env', '.env.local'] as const;

/**
 * Fills `env` from `cwd`'s env files: a variable already set (the real
 * environment) always wins; between the files, `.env.local` wins over `.env`.
 * Returns the files read.
 */
export function loadEnvFiles(env: NodeJS.ProcessEnv, cwd: string, files: readonly string[] = envFiles): string[] {
  const read = files.map((name) => join(cwd, name)).filter((path) => existsSync(path));
  const merged = Object.assign({}, ...read.map((path) => parseEnvFile(readFileSync(path, 'utf8')))) as Record<string, string>;
  for (const [key, value] of Object.entries(merged)) {
    if (env[key] === undefined) env[key] = value;
  }
  return read;
}
