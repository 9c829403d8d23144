/**
 * The schema as a Mermaid ER diagram, generated from the drizzle tables (and
 * the link module's declared foreign keys), so the copy in
 * docs/conversations.md cannot drift: test/docs.test.ts compares them, `npm run docs` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { packageRoot } from '../src/migrate/files.ts';
import * as schema from '../src/schema/index.ts';

const { linkForeignKeys } = schema;

/**
 * Every table the schema exports, each after the tables it references (the
 * link module's keys included), ties by name: the diagram reads top-down,
 * and a new table appears in it with no edit here.
 */
function tablesInOrder(): PgTable[] {
  const nameOf = (table: PgTable) => getTableConfig(table).name;
  const parentsOf = (table: PgTable) => [
    ...getTableConfig(table).foreignKeys.map((fk) => nameOf(fk.reference().foreignTable)),
    ...linkForeignKeys.filter((fk) => fk.table === nameOf(table)).map((fk) => fk.references.table),
  ];
  const pending = (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => is(value, PgTable))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  const ordered: PgTable[] = [];
  while (pending.length > 0) {
    const ready = pending.findIndex((table) => parentsOf(table).every((parent) => parent === nameOf(table) || ordered.some((done) => nameOf(done) === parent)));
    ordered.push(...pending.splice(Math.max(ready, 0), 1));
  }
  return ordered;
}

const tables = tablesInOrder();
export const markers = { start: '<!-- er-diagram:start (npm run docs) -->', end: '<!-- er-diagram:end -->' };

const mermaidType = (sqlType: string) => sqlType.replace('timestamp with time zone', 'timestamptz').replace(/\s+/g, '_');

export function erDiagram(): string {
  const lines = ['```mermaid', 'erDiagram'];
  const relations: string[] = [];
  for (const table of tables) {
    const config = getTableConfig(table);
    const foreignColumns = new Set(config.foreignKeys.flatMap((fk) => fk.reference().columns.map((column) => column.name)));
    for (const fk of linkForeignKeys) if (fk.table === config.name) foreignColumns.add(fk.column);
    lines.push(`  ${config.name} {`);
    for (const column of config.columns) {
      const keys = [column.primary ? 'PK' : '', foreignColumns.has(column.name) ? 'FK' : ''].filter(Boolean).join(',');
      const notes = [column.notNull ? '' : 'nullable', column.generated ? 'generated' : ''].filter(Boolean).join(', ');
      lines.push(`    ${mermaidType(column.getSQLType())} ${column.name}${keys ? ` ${keys}` : ''}${notes ? ` "${notes}"` : ''}`);
    }
    lines.push('  }');
    for (const fk of config.foreignKeys) {
      const reference = fk.reference();
      const target = getTableConfig(reference.foreignTable).name;
      const oneToOne = reference.columns.every((column) => column.primary);
      relations.push(`  ${target} ||--${oneToOne ? 'o|' : 'o{'} ${config.name} : "${reference.columns.map((c) => c.name).join(', ')}"`);
    }
  }
  for (const fk of linkForeignKeys) {
    relations.push(`  ${fk.references.table} ||--o{ ${fk.table} : "${fk.column} (link module)"`);
  }
  return [...lines, ...relations, '```'].join('\n');
}

/** The guide whose "The schema" section holds the diagram. */
export const diagramPage = 'docs/conversations.md';

export function readmeWithDiagram(readme: string): string {
  const start = readme.indexOf(markers.start);
  const end = readme.indexOf(markers.end);
  if (start === -1 || end === -1) throw new Error(`${diagramPage} lacks the er-diagram markers`);
  return `${readme.slice(0, start + markers.start.length)}\n${erDiagram()}\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith('er-diagram.js')) {
  const path = join(packageRoot, diagramPage);
  writeFileSync(path, readmeWithDiagram(readFileSync(path, 'utf8')));
  process.stdout.write(`${diagramPage}: ER diagram regenerated\n`);
}
