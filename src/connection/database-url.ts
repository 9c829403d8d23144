/**
 * Reading a libpq-style connection string (as Neon and every Postgres host
 * hand them out) into what postgres.js needs, safely:
 *
 * - TLS is required for every host that is not this machine: `sslmode`
 *   must be `require`, `verify-ca` or `verify-full`.
 * - `verify-ca` / `verify-full` verify the server certificate, against
 *   `sslrootcert` when given (a file path) or the system's CAs.
 * - Parameters only libpq understands (`channel_binding`, `sslrootcert`, ...)
 *   are dropped: postgres.js would send them to the server as settings, and
 *   the server would refuse to start the session.
 * - A PgBouncer transaction-mode URL (a Neon `-pooler` host, or
 *   `pgbouncer=true`) is recognised, so callers can disable prepared
 *   statements or refuse it for migrations.
 * - The password never appears in anything this module returns for display.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionConfigError } from '../errors.ts';

export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

export interface DatabaseTarget {
  /** The URL to hand postgres.js: libpq-only and TLS parameters removed (TLS is in `ssl`). */
  url: string;
  /** The URL fit to print: password replaced by `***`. */
  redacted: string;
  host: string;
  isLocal: boolean;
  /** Behind PgBouncer in transaction mode: no prepared statements, no session state, no migrations. */
  isPooler: boolean;
  sslMode: SslMode;
  /** postgres.js's `ssl` option. */
  ssl: false | 'prefer' | 'require' | ConnectionOptions;
}

/** Parameters libpq reads and postgres.js would wrongly forward to the server. */
const libpqOnlyParameters = [
  'channel_binding',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslcrl',
  'sslcrldir',
  'sslsni',
  'gssencmode',
  'requiressl',
  'pgbouncer',
  'krbsrvname',
  'service',
  'passfile',
];

export function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '' || bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare.startsWith('/');
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<a connection string that is not a valid URL>';
  }
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionConfigError('The database URL is not a valid URL (expected postgres://user:password@host:port/database?sslmode=require).');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConnectionConfigError(`The database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//.`);
  }

  const params = parsed.searchParams;
  const host = params.get('host') ?? decodeURIComponent(parsed.hostname);
  const isLocal = isLocalHost(host);
  const requested = params.get('sslmode') ?? (params.get('ssl') === 'true' ? 'require' : undefined);
  if (requested !== undefined && !sslModes.includes(requested as SslMode)) {
    throw new ConnectionConfigError(`Unknown sslmode "${requested}"; use one of ${sslModes.join(', ')}.`);
  }
  const sslMode: SslMode = (requested as SslMode | undefined) ?? (isLocal ? 'disable' : 'prefer');
  if (!isLocal && !['require', 'verify-ca', 'verify-full'].includes(sslMode)) {
    throw new ConnectionConfigError(
      `Refusing to connect to ${host} without TLS: add sslmode=require (or verify-full) to the database URL.`,
    );
  }

  const isPooler = /-pooler(\.|$)/.test(host) || params.get('pgbouncer') === 'true';
  const ssl = sslOption(sslMode, host, params.get('sslrootcert'));

  for (const name of libpqOnlyParameters) params.delete(name);
  params.delete('ssl');
  const clean = parsed.toString();

  return { url: clean, redacted: redactUrl(url), host, isLocal, isPooler, sslMode, ssl };
}

function sslOption(mode: SslMode, host: string, rootCertPath: string | null): DatabaseTarget['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
      return 'prefer';
    case 'require':
      // libpq: with a root certificate given, `require` verifies the chain like verify-ca.
      return rootCertPath && rootCertPath !== 'system' ? verifying(host, rootCertPath, false) : 'require';
    case 'verify-ca':
      return verifying(host, rootCertPath, false);
    case 'verify-full':
      return verifying(host, rootCertPath, true);
  }
}

function verifying(host: string, rootCertPath: string | null, checkHostname: boolean): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: true };
  if (!isIP(host.replace(/^\[|\]$/g, ''))) options.servername = host;
  if (rootCertPath && rootCertPath !== 'system') {
    try {
      options.ca = readFileSync(rootCertPath, 'utf8');
    } catch (error) {
      throw new ConnectionConfigError(`Cannot read sslrootcert ${rootCertPath}: ${(error as Error).message}`);
    }
  }
  if (!checkHostname) options.checkServerIdentity = () => undefined;
  return options;
}
