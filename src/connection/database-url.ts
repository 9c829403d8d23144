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
 * - The host checked is the host connected to: libpq's `?host=` / `?port=`
 *   stand-ins and PGHOST / PGPORT are resolved here, once, into `host` and
 *   `port`, and the connector (connector.ts) connects to exactly those.
 * - No credential (password, `?password=`, `?sslpassword=`, ...) appears in
 *   anything this module returns for display.
 */
import { readFileSync } from 'node:fs';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionConfigError } from '../errors.ts';

export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** A database URL as parseDatabaseUrl reads it: what to connect to, how (TLS), and whether it is local or behind a pooler. */
export interface DatabaseTarget {
  /** The URL to hand postgres.js: libpq-only and TLS parameters removed (TLS is in `ssl`), the host pinned. */
  url: string;
  /** The URL fit to print: the password and every credential-bearing parameter replaced by `***`. */
  redacted: string;
  /** The one host connected to: a name, an IP address, or a Unix-socket directory (starting with `/`). */
  host: string;
  /** The port connected to (5432 unless the URL says otherwise). */
  port: number;
  /** `host` is this machine (localhost, 127.0.0.0/8, ::1 or a Unix socket); the connector checks the socket agrees. */
  isLocal: boolean;
  /** Behind PgBouncer in transaction mode: no prepared statements, no session state, no migrations. */
  isPooler: boolean;
  /** The URL's `sslmode` (`?ssl=true` reads as `require`; without either, `disable` for a local host). A host that is not local needs `require` or stronger. */
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

/**
 * libpq lets a query parameter stand in for a part of the URL
 * (`postgres:///db?host=/var/run/postgresql`); postgres.js ignores them and
 * would send them to the server as settings. They are moved into the URL
 * (or, for host and port, resolved here), so what is checked is what is used.
 */
const standInParameters = { host: 'host', port: 'port', user: 'user name', password: 'password', dbname: 'database name' } as const;

/** A parameter whose value is a secret, never printed: password, sslpassword, and anything named like a key or token. */
const credentialParameter = /pass|secret|token|key|credential/i;

/** localhost, 127.0.0.0/8, ::1 or a Unix-socket directory: this machine, where TLS is not required. */
export function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.')) || bare.startsWith('/');
}

/** The URL with its password and credential-bearing parameters replaced by `***`, fit to print or log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) {
      if (credentialParameter.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return '<a connection string that is not a valid URL>';
  }
}

/** The secrets a URL holds (its password and credential-bearing parameters), as written and decoded, so output can be scrubbed of them. */
export function credentialsIn(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const values = [parsed.password, ...[...parsed.searchParams].filter(([name]) => credentialParameter.test(name)).map(([, value]) => value)];
  return [...new Set(values.flatMap((value) => [value, safeDecode(value) ?? value]))].filter((value) => value.length > 0);
}

/**
 * Reads a connection URL. `env` supplies PGHOST and PGPORT when the URL
 * names no host or port, as postgres.js and libpq would.
 */
export function parseDatabaseUrl(url: string, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
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
  if (params.has('hostaddr')) {
    throw new ConnectionConfigError('The database URL has hostaddr, which postgres.js cannot honour: put the address in the host instead.');
  }
  const parts = {
    host: decodePart('host', parsed.hostname),
    port: parsed.port,
    user: decodePart('user name', parsed.username),
    password: decodePart('password', parsed.password),
    dbname: decodePart('database name', parsed.pathname.slice(1)),
  };
  for (const [name, label] of Object.entries(standInParameters) as [keyof typeof standInParameters, string][]) {
    const value = params.get(name);
    if (value === null) continue;
    if (parts[name] !== '' && parts[name] !== value) {
      const both = name === 'password' ? 'one in the URL and one in ?password=' : `${parts[name]} in the URL and ${value} in ?${name}=`;
      throw new ConnectionConfigError(`The database URL names two ${label}s (${both}); keep one.`);
    }
    parts[name] = value;
    params.delete(name);
  }

  // As postgres.js would: the URL's host, else PGHOST, else localhost; the URL's port, else PGPORT, else 5432.
  const named = parts.host || env.PGHOST || 'localhost';
  const host = named.startsWith('/') ? named : named.replace(/^\[|\]$/g, '').toLowerCase();
  if (host.includes(',')) {
    throw new ConnectionConfigError(`The database URL names several hosts (${host}); give one (postgres.js's multi-host failover is not supported).`);
  }
  const port = Number(parts.port || env.PGPORT || 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ConnectionConfigError(`The database port must be a number from 1 to 65535.`);

  const isLocal = isLocalHost(host);
  const requested = params.get('sslmode') ?? (params.get('ssl') === 'true' ? 'require' : undefined);
  if (requested !== undefined && !sslModes.includes(requested as SslMode)) {
    throw new ConnectionConfigError(`Unknown sslmode "${requested}"; use one of ${sslModes.join(', ')}.`);
  }
  const sslMode: SslMode = (requested as SslMode | undefined) ?? (isLocal ? 'disable' : 'prefer');
  if (!isLocal && !tlsEnforced(sslMode)) {
    throw new ConnectionConfigError(
      `Refusing to connect to ${host} without TLS: add sslmode=require (or verify-full) to the database URL.`,
    );
  }

  const isPooler = /-pooler(\.|$)/.test(host) || params.get('pgbouncer') === 'true';
  const ssl = sslOption(sslMode, host, params.get('sslrootcert'));

  for (const name of libpqOnlyParameters) params.delete(name);
  params.delete('ssl');
  // postgres.js reads the URL too: pin one host and port there (it would otherwise fall back to
  // PGHOST, a list of hosts), and carry the stand-ins. The connector connects to `host` itself.
  parsed.hostname = host.startsWith('/') ? encodeURIComponent(host) : isIPv6(host) ? `[${host}]` : host;
  parsed.port = String(port);
  parsed.username = encodeURIComponent(parts.user);
  parsed.password = encodeURIComponent(parts.password);
  parsed.pathname = `/${encodeURIComponent(parts.dbname)}`;

  return { url: parsed.toString(), redacted: redactUrl(url), host, port, isLocal, isPooler, sslMode, ssl };
}

/** sslmode values under which postgres.js connects only over TLS. */
export function tlsEnforced(mode: SslMode): boolean {
  return mode === 'require' || mode === 'verify-ca' || mode === 'verify-full';
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function decodePart(label: string, value: string): string {
  const decoded = safeDecode(value);
  if (decoded === undefined) {
    throw new ConnectionConfigError(`The database URL's ${label} has an invalid %-escape (write a literal % as %25).`);
  }
  return decoded;
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
