/** Runs the CLI in this process with its output captured. */
import { main } from '../../src/cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...options.env };
  const code = await main(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
