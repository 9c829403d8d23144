/**
 * Bundles test/edge/worker.ts as a Cloudflare Worker would be: esbuild,
 * platform neutral (no Node built-in resolves, so importing one fails the
 * build), the workerd / worker / browser conditions, minified ESM. The
 * package is resolved by its name through package.json's exports, so the
 * bundle holds the built dist/ a consumer would get.
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../../src/migrate/files.ts';

export interface WorkerBundle {
  code: string;
  minifiedBytes: number;
  gzippedBytes: number;
  /** Minified bytes per package (`zod`, `drizzle-orm`, ...) and `rag-chat-db` for dist/, largest first. */
  byPackage: [string, number][];
  /** Every input file in the bundle, relative to the package root. */
  inputs: string[];
}

const packageOf = (path: string) => {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return inModules ? inModules[1]! : path.startsWith('dist/') ? 'rag-chat-db' : path;
};

/** Bundles a file, or TypeScript source (`{ source }`, resolved from test/edge/). */
export async function bundleWorker(entry: string | { source: string } = join(packageRoot, 'test', 'edge', 'worker.ts')): Promise<WorkerBundle> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.source, loader: 'ts', resolveDir: join(packageRoot, 'test', 'edge'), sourcefile: 'source.ts' } }),
    absWorkingDir: packageRoot,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values(result.metafile.outputs)[0]!;
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    byPackage.set(packageOf(path), (byPackage.get(packageOf(path)) ?? 0) + bytesInOutput);
  }
  return {
    code: new TextDecoder().decode(code),
    minifiedBytes: code.length,
    gzippedBytes: gzipSync(code).length,
    byPackage: [...byPackage].sort((a, b) => b[1] - a[1]),
    inputs: Object.keys(output.inputs),
  };
}
