/**
 * A throwaway PostgreSQL cluster with TLS on, for the TLS tests: the test
 * makes a certificate authority, a server certificate for localhost /
 * 127.0.0.1 signed by it, and an unrelated "wrong" authority. The cluster
 * lives in a temporary folder and is stopped and removed afterwards; the
 * machine's own server is not touched.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { freePort } from './tcp-proxy.ts';

function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root).sort((a, b) => Number(a) - Number(b)).at(-1);
  return newest && existsSync(join(root, newest, 'bin', 'initdb')) ? join(root, newest, 'bin') : undefined;
}

export const canStartTlsPostgres = Boolean(postgresBinDir()) && existsSync('/usr/bin/openssl');

export interface TlsPostgres {
  port: number;
  caPath: string;
  wrongCaPath: string;
  stop(): Promise<void>;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'ignore' });

function makeCertificates(dir: string) {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=rag-chat-db test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=somebody else', '-keyout', 'wrong.key', '-out', 'wrong-ca.pem');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = DNS:localhost, IP:127.0.0.1\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.crt');
}


export async function startTlsPostgres(): Promise<TlsPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed');
  const dir = mkdtempSync(join(tmpdir(), 'rcdb-tls-'));
  makeCertificates(dir);
  const data = join(dir, 'data');

  // The server refuses to run as root: run it as postgres, which must own the folder and the key.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : undefined;
  const ownerGroup = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) : undefined;
  const run = (command: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]) as [string, string[]];
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'server.key'), 0o600);
  if (asRoot) {
    chownSync(dir, owner!, ownerGroup!);
    for (const file of readdirSync(dir)) chownSync(join(dir, file), owner!, ownerGroup!);
  }

  execFileSync(...run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']), { stdio: 'ignore' });
  const port = await freePort();
  const server: ChildProcess = spawn(
    ...run(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'ssl=on', '-c', 'fsync=off',
      '-c', `ssl_cert_file=${join(dir, 'server.crt')}`, '-c', `ssl_key_file=${join(dir, 'server.key')}`,
    ]),
    { stdio: 'ignore' },
  );

  for (let attempt = 0; ; attempt++) {
    const probe = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await probe`SELECT 1`;
      break;
    } catch (error) {
      if (attempt >= 100 || server.exitCode !== null) {
        server.kill();
        throw new Error(`the TLS server did not start: ${(error as Error).message}`);
      }
      await sleep(100);
    } finally {
      await probe.end({ timeout: 1 });
    }
  }

  return {
    port,
    caPath: join(dir, 'ca.pem'),
    wrongCaPath: join(dir, 'wrong-ca.pem'),
    stop: async () => {
      // pg_ctl, not a signal: as root the child is runuser, which does not pass signals on.
      execFileSync(...run(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'fast', '-w']), { stdio: 'ignore' });
      await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
