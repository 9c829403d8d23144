/**
 * Just enough reading of migration SQL to say what an up file adds (tables,
 * columns, indexes, constraints, types, NOT NULLs) and what a statement of
 * its down file drops, so that `lint` can let a down file drop exactly what
 * its up file added, and `verify` can tell which existing tables a file
 * touches. Statements are split outside strings, quoted names, dollar quotes
 * and comments; names are compared as Postgres folds them (unquoted ones
 * lower-cased), with a leading `public.` dropped.
 */

export interface SqlStatement {
  /** The statement with its comments blanked out, trimmed. */
  code: string;
  /** Offsets of the raw piece in the file's text (between separators). */
  start: number;
  end: number;
}

export type ObjectKind = 'table' | 'column' | 'index' | 'constraint' | 'type' | 'not-null';

export interface SqlObject {
  kind: ObjectKind;
  /** `table`, `table.column`, `table.constraint`, an index or type name. */
  name: string;
  /** For an index: created or dropped CONCURRENTLY. */
  concurrently?: boolean;
}

const breakpointComment = '--> statement-breakpoint';

/** The statements of a file: split at `;` and at `--> statement-breakpoint` lines. */
export function sqlStatements(text: string): SqlStatement[] {
  const masked = text.split('');
  const pieces: SqlStatement[] = [];
  let start = 0;
  const cut = (end: number, next: number) => {
    const code = masked.slice(start, end).join('').trim();
    if (code) pieces.push({ code, start, end });
    start = next;
  };
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (masked[k] !== '\n') masked[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const lineEnd = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
      const comment = text.slice(i, lineEnd).trim();
      blank(i, lineEnd);
      if (comment === breakpointComment) cut(i, lineEnd);
      i = lineEnd;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      blank(i, end);
      i = end;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$[A-Za-z_]\w*\$|^\$\$/.exec(text.slice(i))?.[0];
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        i = close === -1 ? text.length : close + tag.length;
      } else i++;
    } else if (c === ';') {
      cut(i, i + 1);
      i++;
    } else i++;
  }
  cut(text.length, text.length);
  return pieces;
}

const identifier = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const qualified = String.raw`${identifier}(?:\s*\.\s*${identifier})?`;
const nameList = String.raw`${qualified}(?:\s*,\s*${qualified})*`;

/** A name as Postgres folds it: quotes removed, unquoted parts lower-cased, `public.` dropped. */
export function normalizeName(raw: string): string {
  const parts = [...raw.matchAll(new RegExp(identifier, 'g'))].map(([part]) =>
    part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part.toLowerCase(),
  );
  if (parts.length === 2 && parts[0] === 'public') parts.shift();
  return parts.join('.');
}

function names(list: string): string[] {
  return [...list.matchAll(new RegExp(qualified, 'g'))].map(([name]) => normalizeName(name));
}

/** Splits at commas outside parentheses and quotes (the actions of one ALTER TABLE). */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  parts.push(text.slice(from).trim());
  return parts.filter(Boolean);
}

const re = (source: string) => new RegExp(source, 'is');
const alterTable = re(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${qualified})\s+(.*)$`);
const constraintWords = /^(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b/i;

/** The table an ALTER TABLE statement changes, and its actions; undefined for any other statement. */
export function alterTableActions(code: string): { table: string; actions: string[] } | undefined {
  const match = alterTable.exec(code);
  return match ? { table: normalizeName(match[1]!), actions: topLevelParts(match[2]!) } : undefined;
}

/** What one statement creates. */
export function objectsAdded(code: string): SqlObject[] {
  let match: RegExpExecArray | null;
  if ((match = re(String.raw`^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${qualified})`).exec(code))) {
    return [{ kind: 'table', name: normalizeName(match[1]!) }];
  }
  if ((match = re(String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${qualified})\s+ON\b`).exec(code))) {
    return [{ kind: 'index', name: normalizeName(match[2]!), concurrently: Boolean(match[1]) }];
  }
  if ((match = re(String.raw`^CREATE\s+TYPE\s+(${qualified})`).exec(code))) return [{ kind: 'type', name: normalizeName(match[1]!) }];
  const alter = alterTableActions(code);
  if (!alter) return [];
  return alter.actions.flatMap((action): SqlObject[] => {
    const constraint = re(String.raw`^ADD\s+CONSTRAINT\s+(${identifier})`).exec(action);
    if (constraint) return [{ kind: 'constraint', name: `${alter.table}.${normalizeName(constraint[1]!)}` }];
    const column = re(String.raw`^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${identifier})`).exec(action);
    if (column && !constraintWords.test(action.replace(/^ADD\s+/i, ''))) {
      return [{ kind: 'column', name: `${alter.table}.${normalizeName(column[1]!)}` }];
    }
    const notNull = re(String.raw`^ALTER\s+(?:COLUMN\s+)?(${identifier})\s+SET\s+NOT\s+NULL`).exec(action);
    if (notNull) return [{ kind: 'not-null', name: `${alter.table}.${normalizeName(notNull[1]!)}` }];
    return [];
  });
}

/** What the actions of an ALTER TABLE on `table` drop. */
function actionDrops(table: string, actions: string[]): SqlObject[] {
  return actions.flatMap((action): SqlObject[] => {
    const constraint = re(String.raw`^DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?(${identifier})`).exec(action);
    if (constraint) return [{ kind: 'constraint', name: `${table}.${normalizeName(constraint[1]!)}` }];
    const column = re(String.raw`^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(${identifier})`).exec(action);
    if (column && !/^DROP\s+(?:NOT\s+NULL|DEFAULT|EXPRESSION|IDENTITY)\b/i.test(action)) {
      return [{ kind: 'column', name: `${table}.${normalizeName(column[1]!)}` }];
    }
    const notNull = re(String.raw`^ALTER\s+(?:COLUMN\s+)?(${identifier})\s+DROP\s+NOT\s+NULL`).exec(action);
    if (notNull) return [{ kind: 'not-null', name: `${table}.${normalizeName(notNull[1]!)}` }];
    return [];
  });
}

/**
 * What one statement drops. `part`, when given, is the piece of it a finding
 * points at (one action of an ALTER TABLE): only that action's drops count.
 */
export function objectsDropped(code: string, part?: string): SqlObject[] {
  let match: RegExpExecArray | null;
  if ((match = re(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(${nameList})`).exec(code))) {
    return names(match[1]!).map((name) => ({ kind: 'table', name }));
  }
  if ((match = re(String.raw`^DROP\s+INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(${nameList})`).exec(code))) {
    return names(match[2]!).map((name) => ({ kind: 'index', name, concurrently: Boolean(match![1]) }));
  }
  if ((match = re(String.raw`^DROP\s+TYPE\s+(?:IF\s+EXISTS\s+)?(${nameList})`).exec(code))) {
    return names(match[1]!).map((name) => ({ kind: 'type', name }));
  }
  const alter = alterTableActions(code);
  if (!alter) return [];
  const narrowed = part ? actionDrops(alter.table, [part.trim()]) : [];
  return narrowed.length > 0 ? narrowed : actionDrops(alter.table, alter.actions);
}

/** Everything a file's statements create. */
export function fileAdds(text: string): SqlObject[] {
  return sqlStatements(text).flatMap((statement) => objectsAdded(statement.code));
}

/** Whether dropping `object` only undoes something in `added` (the objects the paired up file created). */
export function undoesAddition(object: SqlObject, added: readonly SqlObject[]): boolean {
  const has = (kind: ObjectKind, name: string) => added.some((candidate) => candidate.kind === kind && candidate.name === name);
  const table = object.name.includes('.') ? object.name.slice(0, object.name.lastIndexOf('.')) : undefined;
  switch (object.kind) {
    case 'table':
    case 'type':
      return has(object.kind, object.name);
    case 'column':
    case 'constraint':
      return has(object.kind, object.name) || (table !== undefined && has('table', table));
    case 'not-null':
      return has('not-null', object.name) || has('column', object.name) || (table !== undefined && has('table', table));
    case 'index':
      // A plain DROP INDEX takes the lock a plain CREATE INDEX took; one built CONCURRENTLY is dropped CONCURRENTLY.
      return added.some((candidate) => candidate.kind === 'index' && candidate.name === object.name && (!candidate.concurrently || object.concurrently));
  }
}

/** Existing tables a file's statements change or write to (ALTER TABLE, UPDATE, INSERT, DELETE, CREATE INDEX ... ON). */
export function tablesTouched(text: string): string[] {
  const touched = new Set<string>();
  const patterns = [
    re(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${qualified})`),
    re(String.raw`^UPDATE\s+(?:ONLY\s+)?(${qualified})`),
    re(String.raw`^INSERT\s+INTO\s+(${qualified})`),
    re(String.raw`^DELETE\s+FROM\s+(?:ONLY\s+)?(${qualified})`),
    re(String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${qualified}\s+)?ON\s+(?:ONLY\s+)?(${qualified})`),
  ];
  for (const { code } of sqlStatements(text)) {
    for (const pattern of patterns) {
      const match = pattern.exec(code);
      if (match) touched.add(normalizeName(match[1]!));
    }
  }
  return [...touched];
}
