// node loaded-modules.mjs <specifier>: imports <specifier> (resolved from the current directory's
// node_modules, or the package itself by name) and prints, as JSON, every module Node resolved while
// loading it: file: URLs and node: builtins. The root entry's test and scripts/check-package.sh use it
// to prove that `import 'rag-chat-db'` loads no builtin, no postgres.js and no PGlite.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const specifier = process.argv[2];
if (!specifier) throw new Error('usage: node loaded-modules.mjs <specifier>');
const dir = mkdtempSync(join(tmpdir(), 'loaded-modules-'));
const record = join(dir, 'resolved.txt');

// The hook runs on Node's loader thread and appends each resolved URL to `record` as it happens.
const hook = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { file: record } });

// A module in the current directory does the import, so the specifier resolves as the caller's project would.
const importer = join(process.cwd(), `.loaded-modules-${process.pid}.mjs`);
try {
  writeFileSync(importer, `await import(${JSON.stringify(specifier)});\n`);
  await import(pathToFileURL(importer).href);
  const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  const seen = [...new Set(urls)].filter((url) => url !== pathToFileURL(importer).href);
  console.log(JSON.stringify(seen));
} finally {
  rmSync(importer, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
