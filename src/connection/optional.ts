/**
 * Loading an optional peer dependency (postgres.js, PGlite) only where it is
 * used: a project that has not installed it gets a MissingDependencyError
 * naming the package to install, not Node's "Cannot find package".
 */
import { MissingDependencyError } from '../errors.ts';

/** Node's error for a package that is not installed (ESM `import()` and CJS `require`). */
function isNotInstalled(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${packageName}`);
}

/**
 * `load()` (an `import()` of `packageName` or of a module that imports it),
 * or a MissingDependencyError saying `npm install <packageName>` and what
 * else would do (`alternative`). Any other load failure reaches the caller.
 */
export async function importOptional<T>(packageName: string, purpose: string, load: () => Promise<T>, alternative?: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isNotInstalled(error, packageName)) throw error;
    throw new MissingDependencyError(
      packageName,
      `${purpose} needs ${packageName}, which is not installed: npm install ${packageName}${alternative ? `, or ${alternative}` : ''}.`,
      { cause: error },
    );
  }
}
