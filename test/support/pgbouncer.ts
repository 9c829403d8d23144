/**
 * A throwaway PgBouncer in transaction mode in front of the test server:
 * every database name maps to the same name on the server, clients are
 * trusted (the test server trusts loopback). Started from the Debian package
 * that .ci/run installs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { freePort } from './tcp-proxy.ts';

export const pgbouncerBinary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

export interface PgBouncer {
  port: number;
  /** The server URL rewritten to go through PgBouncer, marked so clients know it is a pooler. */
  urlThrough(url: string): string;
  stop(): Promise<void>;
}


export async function startPgBouncer(target: { host: string; port: number; user: string }): Promise<PgBouncer> {
  if (!pgbouncerBinary) throw new Error('PgBouncer is not installed (apt-get install pgbouncer)');
  const dir = mkdtempSync(join(tmpdir(), 'rcdb-pgbouncer-'));
  chmodSync(dir, 0o777); // PgBouncer drops root to the postgres user, which writes its log here
  const port = await freePort();
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.host} port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 400',
      'default_pool_size = 20',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `unix_socket_dir = ${dir}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'users.txt'), `"${target.user}" ""\n`);
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(pgbouncerBinary, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });

  const url = `postgres://${encodeURIComponent(target.user)}@127.0.0.1:${port}/postgres`;
  for (let attempt = 0; ; attempt++) {
    const probe = postgres(url, { max: 1, connect_timeout: 2, prepare: false, onnotice: () => {} });
    try {
      await probe`SELECT 1`;
      break;
    } catch (error) {
      if (attempt >= 50 || child.exitCode !== null) {
        let log = '';
        try {
          log = execFileSync('tail', ['-n', '20', join(dir, 'pgbouncer.log')], { encoding: 'utf8' });
        } catch {
          // no log yet
        }
        child.kill();
        throw new Error(`PgBouncer did not start: ${(error as Error).message}\n${log}`);
      }
      await sleep(100);
    } finally {
      await probe.end({ timeout: 1 });
    }
  }

  return {
    port,
    urlThrough(serverUrl: string) {
      const parsed = new URL(serverUrl);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      parsed.searchParams.set('pgbouncer', 'true');
      return parsed.toString();
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}
